# Shared by the benchmark scripts that need the release binary or a Kafka broker: source it
# after `cd` to the repository root.

# ROOMSIGHT_BIN, or the release binary built now; then clears every other ROOMSIGHT_* variable
# so that the caller's settings cannot change what is measured, and quiets the logs.
bench_binary() {
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/roomsight/target}"
  if [ -z "${ROOMSIGHT_BIN:-}" ]; then
    cargo build --release --locked --quiet --bin roomsight
    ROOMSIGHT_BIN="$CARGO_TARGET_DIR/release/roomsight"
  fi
  for v in $(env | grep -o '^ROOMSIGHT_[A-Z_]*' | grep -v '^ROOMSIGHT_BIN$\|^ROOMSIGHT_BENCH_DIR$'); do
    unset "$v"
  done
  export ROOMSIGHT_LOG=warn
  python="${PYTHON:-$HOME/.cache/roomsight/venv/bin/python}"
}

free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts Apache Kafka (scripts/kafka-broker) with its data and log in DIR, on free loopback
# ports; sets `port` and `broker`. The broker stops when this shell exits (its watchdog follows
# the shell's pid), and the EXIT trap also stops it and every pid in `pids`.
start_broker() {
  local dir="$1" controller
  port=$(free_port)
  controller=$(free_port)
  rm -rf "$dir"
  scripts/kafka-broker run "$dir" "$port" "$controller" $$ &
  broker=$!
  pids=()
  trap 'kill "$broker" "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
}
