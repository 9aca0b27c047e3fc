# syntax=docker/dockerfile:1
#
# anon: multi-stage build. The build stage uses the workspace's toolchain;
# the runtime stage is Debian slim with CA certificates and a non-root user.
#
#   docker build -t anon .
#   docker run --env-file .env -p 3000:3000 -v anon-data:/app/data anon

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p anon \
 && install -m 0755 target/release/anon /usr/local/bin/anon

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 anon \
 && useradd --system --uid 10001 --gid anon --home-dir /app --shell /usr/sbin/nologin anon \
 && mkdir -p /app/data \
 && chown anon:anon /app/data \
 && chmod 700 /app/data
COPY --from=build /usr/local/bin/anon /usr/local/bin/anon

WORKDIR /app
USER anon:anon
ENV DATABASE_PATH=/app/data/anon.db \
    PORT=3000 \
    LOG_FORMAT=json
VOLUME ["/app/data"]
EXPOSE 3000

# `anon healthcheck` asks this container's own GET /health on $PORT (no curl needed).
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/anon", "healthcheck"]

ENTRYPOINT ["/usr/local/bin/anon"]
CMD ["serve"]
