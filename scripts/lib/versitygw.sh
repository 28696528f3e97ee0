# shellcheck shell=bash
# Helpers for the scripts that serve a versitygw binary on loopback: source
# this file after setting `work` (a temporary directory the caller removes).
#
#   vgw_build            go install versitygw, at the version go.mod requires,
#                        into $work/bin
#   vgw_cert             a self-signed certificate for 127.0.0.1 in
#                        $work/cert.pem and $work/key.pem
#   vgw_serve NAME [FLAG...]
#                        serve a posix root $work/NAME on a free loopback port
#                        and wait until it answers; sets vgw_port and vgw_pid.
#                        FLAGs go to versitygw (--cert/--key for HTTPS). The
#                        credentials are $ROOT_ACCESS_KEY_ID and
#                        $ROOT_SECRET_ACCESS_KEY, which the caller exports.
#
# Ports are drawn from 20000-32767, below Linux's ephemeral range (32768 and
# up), so outgoing connections of the tests cannot hold them; a port that is
# taken anyway (another job on the machine) is retried with another one.

vgw_build() {
  local version
  version=$(go list -m -f '{{.Version}}' github.com/versity/versitygw)
  echo "versitygw: building $version" >&2
  GOBIN=$work/bin go install "github.com/versity/versitygw/cmd/versitygw@$version"
}

vgw_cert() {
  command -v openssl >/dev/null || { echo "versitygw: openssl is needed (apt-get install -y openssl)" >&2; return 1; }
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
}

vgw_serve() {
  local name=$1 scheme=http curlca=() attempt i
  shift
  case " $* " in *" --cert "*) scheme=https curlca=(--cacert "$work/cert.pem") ;; esac
  mkdir -p "$work/$name"
  for attempt in 1 2 3 4 5 6 7 8; do
    vgw_port=$((20000 + RANDOM % 12768))
    "$work/bin/versitygw" --port "127.0.0.1:$vgw_port" "$@" --quiet posix "$work/$name" >"$work/$name.log" 2>&1 &
    vgw_pid=$!
    # Wait (bounded: 10 s) until it answers, or until it exits.
    for i in $(seq 1 100); do
      if curl -s -o /dev/null "${curlca[@]}" "$scheme://127.0.0.1:$vgw_port/"; then return 0; fi
      kill -0 "$vgw_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$vgw_pid" 2>/dev/null; then
      echo "versitygw: $name did not answer on port $vgw_port within 10 s" >&2
      cat "$work/$name.log" >&2
      kill "$vgw_pid" 2>/dev/null || true
      return 1
    fi
    wait "$vgw_pid" 2>/dev/null || true
    if ! grep -q 'address already in use' "$work/$name.log"; then
      echo "versitygw: $name exited:" >&2
      cat "$work/$name.log" >&2
      return 1
    fi
    echo "versitygw: port $vgw_port is taken (attempt $attempt), trying another" >&2
  done
  echo "versitygw: found no free port for $name" >&2
  return 1
}
