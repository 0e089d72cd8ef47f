# NN Playground: the web app on CPU torch by default.
#   docker build -t nnplayground .
#   docker run --rm -p 8000:8000 nnplayground
# A CUDA build swaps the torch wheel index (the CUDA wheels bundle their own CUDA runtime;
# run them with the NVIDIA container toolkit, `docker run --gpus all ...`):
#   docker build --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128 -t nnplayground:cu128 .

# Front-end libraries (uPlot) from the npm registry, exactly as package-lock.json pins them
# (not the dev tools: TypeScript only checks the page in a checkout).
FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm

# constraints.txt pins torch==2.13.0; the index picks the build that satisfies it
# (2.13.0+cpu or 2.13.0+cu128: a local version label matches ==2.13.0 and sorts above
# PyPI's plain 2.13.0, so pip takes the wheel from this index).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /src

# torch is most of the download: its own layer, reused while only the app changes.
COPY constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt --extra-index-url "${TORCH_INDEX_URL}" torch

# The README's serve install: the project itself, every version from constraints.txt. The
# build hook (hatch_build.py) puts node_modules/uplot into the wheel as app/vendor/uplot.
COPY pyproject.toml README.md hatch_build.py ./
COPY app ./app
COPY static ./static
COPY templates ./templates
COPY --from=frontend /frontend/node_modules/uplot ./node_modules/uplot
RUN pip install --no-cache-dir -c constraints.txt --extra-index-url "${TORCH_INDEX_URL}" .

RUN useradd --create-home --no-log-init --uid 10001 --user-group nnp \
    && mkdir /data \
    && chown 10001:10001 /data

# Settings come from the environment (NNP_*); caches and uploads go to /data.
ENV NNP_HOST=0.0.0.0 \
    NNP_PORT=8000 \
    NNP_DATA_DIR=/data

# Numeric, so the host and runAsNonRoot checks can resolve it.
USER 10001:10001
WORKDIR /data
EXPOSE 8000

# slim has no curl; urlopen raises (exit 1) on a refused connection or a non-2xx status.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["nnplayground", "serve", "--host", "0.0.0.0", "--port", "8000"]
