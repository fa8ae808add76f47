FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/intake /usr/local/bin/intake
COPY samples /srv/intake/samples
WORKDIR /srv/intake
ENV OMP_THREAD_LIMIT=1
CMD ["intake", "serve"]
