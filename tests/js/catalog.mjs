// The server's catalog, as tests/js/catalog.json holds it (tests/test_catalog.py checks that
// it is what app/catalog.py builds now; `python -m app.catalog > tests/js/catalog.json`
// writes it anew), handed to the pages' URL-state tables as a page does before reading a link.
import { readFileSync } from "node:fs";

import { useGanCatalog } from "../../static/js/gan/state.js";

export const catalog = JSON.parse(readFileSync(new URL("./catalog.json", import.meta.url), "utf8"));
useGanCatalog(catalog); // the GAN page's table, and the playground's (state.js useCatalog)
