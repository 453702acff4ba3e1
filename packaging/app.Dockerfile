# syntax=docker/dockerfile:1.7
# mcdesk team instance: the NiceGUI app served to a team's browsers, CPU only (no CuPy).
#
#   docker build -f packaging/app.Dockerfile -t mcdesk-app:0.1.0 .
#
# Build from the repository root. The project is installed from its own metadata
# (pyproject.toml, no extras): requirements are not listed here a second time.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY engine/ engine/
COPY mcdesk/ mcdesk/
COPY remote/ remote/
RUN pip install --no-cache-dir . \
    && python -c "import engine, mcdesk, remote"

FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="mcdesk-app" \
      org.opencontainers.image.description="mcdesk team instance: Monte Carlo simulation of Excel workbooks in the browser" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="GPL-3.0-or-later" \
      org.opencontainers.image.source="https://github.com/mcdesk/mcdesk"
RUN groupadd --system --gid 10001 mcdesk \
    && useradd --system --uid 10001 --gid 10001 --home-dir /home/mcdesk --create-home \
       --shell /usr/sbin/nologin mcdesk \
    && mkdir -p /data \
    && chown 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
# Per-user workbooks and NiceGUI's storage live in /data (a volume); caches in /tmp; the root
# filesystem can be read-only. MCDESK_STORAGE_SECRET, MCDESK_REMOTE_TOKEN and the users file
# are NOT set here: they come from a Kubernetes Secret or an env file at run time.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MCDESK_DATA_DIR=/data \
    MCDESK_MAX_UPLOAD_MB=10 \
    NICEGUI_STORAGE_PATH=/data/.nicegui \
    MCDESK_KERNEL_CACHE=/tmp/mcdesk-kernels \
    NUMBA_CACHE_DIR=/tmp/numba \
    MPLCONFIGDIR=/tmp/matplotlib \
    XDG_CACHE_HOME=/tmp/cache
WORKDIR /home/mcdesk
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
CMD ["mcdesk", "serve", "--host", "0.0.0.0", "--port", "8080"]
