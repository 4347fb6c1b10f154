#!/usr/bin/env bash
# Starts the sandbox with a scenario in the background, shows kubectl rotate's plan, rotates
# the nodes on the live dashboard when run on a terminal, and keeps the sandbox running until
# Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scenario=${SCENARIO:-small}
state="$root/.sandbox"
sandbox="$state/sandbox"
mkdir -p "$state"

echo "==> building the sandbox (the first build compiles Kubernetes: several minutes)"
(cd "$root/test/sandbox" && go build -o "$sandbox" ./cmd/sandbox)
"$sandbox" build --dir "$state"

rm -f "$state/ready"
echo "==> starting scenario $scenario (log: $state/sandbox.log)"
"$sandbox" up --no-build --dir "$state" --scenario "$scenario" >"$state/sandbox.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; echo; echo "sandbox stopped"' EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 600); do
  [ -f "$state/ready" ] && break
  if ! kill -0 $pid 2>/dev/null; then
    echo "the sandbox failed to start:" >&2
    tail -20 "$state/sandbox.log" >&2
    exit 1
  fi
  sleep 0.5
done
[ -f "$state/ready" ] || { echo "the sandbox did not become ready; see $state/sandbox.log" >&2; exit 1; }
sed -n '/^\[/p' "$state/sandbox.log"

export KUBECONFIG="$state/kubeconfig"
# shellcheck disable=SC1091
. "$state/aws.env"
export PATH="$root/bin:$state/bin:$PATH"

echo
echo "==> kubectl get nodes"
kubectl get nodes -L topology.kubernetes.io/zone,eks.amazonaws.com/nodegroup,kops.k8s.io/instancegroup
echo
echo "==> kubectl rotate plan"
kubectl rotate plan || true
if [ -t 0 ] && [ -t 1 ] && [ -z "${CI:-}" ]; then
  echo
  read -r -p "==> Press enter to rotate the nodes on the live dashboard (p pause, s skip, a abort, ? help) " _
  kubectl rotate --delete-emptydir-data || true
fi
cat <<TXT

The sandbox keeps running. In another terminal:

  export KUBECONFIG=$KUBECONFIG
  . $state/aws.env
  export PATH=$root/bin:$state/bin:\$PATH
  kubectl rotate plan -o wide
  kubectl rotate --delete-emptydir-data     # again, after a skip or an abort

Press Ctrl-C to stop it.
TXT
wait $pid
