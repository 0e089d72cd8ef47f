"""The web layer: FastAPI routes and (later) websocket sessions. No training happens here."""
