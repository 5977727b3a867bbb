# A static stv2lint on an empty base, for CI systems that run containers:
#   docker build -t stv2lint .
#   docker run --rm -v "$PWD:/src" stv2lint check .
# Alpine's Rust targets musl and links statically, so the binary needs nothing from the image;
# `scratch` adds nothing else (no shell, no package manager: nothing to patch).
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /build
COPY . .
RUN cargo build --release --locked \
    && cp target/release/stv2lint /stv2lint \
    && /stv2lint --version

FROM scratch
COPY --from=build /stv2lint /usr/local/bin/stv2lint
COPY LICENSE-MIT LICENSE-APACHE /usr/share/doc/stv2lint/
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/stv2lint"]
CMD ["check", "."]
