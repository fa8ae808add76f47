FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends libtesseract-dev libleptonica-dev libclang-dev && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
        tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng tesseract-ocr-osd poppler-utils \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/intake /usr/local/bin/intake
COPY samples /srv/intake/samples
WORKDIR /srv/intake
ENV OMP_THREAD_LIMIT=1
EXPOSE 8080
CMD ["intake", "serve", "--listen", "0.0.0.0:8080"]
