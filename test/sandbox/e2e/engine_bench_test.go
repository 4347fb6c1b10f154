package e2e

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/exec"
	"github.com/kubectl-rotate/kubectl-rotate/pkg/plan"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/scenario"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/stack"
)

// Figures of the rotation benchmark: nodes, surge, and the fixed delays of a replacement's
// boot and of a drain (every pod takes its whole grace period to stop, which the sandbox's
// kubelets honour).
const (
	benchNodes = 100
	benchSurge = 10
	benchBoot  = 10 * time.Second
	benchDrain = 10 * time.Second
)

// benchScenario is one group of benchNodes nodes, each running one pod whose termination
// takes benchDrain.
func benchScenario() (*scenario.Scenario, error) {
	return scenario.Parse(fmt.Appendf(nil, `
name: bench-rotate
region: us-east-1
cluster: bench
bootDelay: %s
shutdownDelay: 1s
images:
  old: {id: ami-0c1b2c3d4e5f60001, name: amazon-eks-node-al2023-x86_64-standard-1.36-v20261015}
  new: {id: ami-0c1b2c3d4e5f60002, name: amazon-eks-node-al2023-x86_64-standard-1.36-v20261115}
groups:
  - {name: pool, kind: asg, zones: [us-east-1a, us-east-1b, us-east-1c], size: %d, maxSize: %d, instanceType: m6i.large}
workloads: |
  apiVersion: v1
  kind: Namespace
  metadata: {name: bench}
  ---
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: slow-stop, namespace: bench}
  spec:
    replicas: %d
    selector: {matchLabels: {app: slow-stop}}
    template:
      metadata: {labels: {app: slow-stop}}
      spec:
        terminationGracePeriodSeconds: %d
        topologySpreadConstraints:
          - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: slow-stop}}}
        containers:
          - {name: app, image: nginx:1.27, resources: {requests: {cpu: 100m, memory: 64Mi}}}
`, benchBoot, benchNodes, benchNodes+benchSurge, benchNodes, int(benchDrain/time.Second)))
}

// BenchmarkRotate100 rotates 100 nodes with a surge of 10 under fixed boot and drain delays
// and reports the wall time of the rotation against its lower bound,
// ceil(N/surge) * (boot + drain): batches run one after the other, each booting its
// replacements and then draining its nodes. Run it with
//
//	go test -run '^$' -bench BenchmarkRotate100 -benchtime 1x ./e2e/
func BenchmarkRotate100(b *testing.B) {
	if sandbox == nil {
		b.Skip("no sandbox binaries")
	}
	bound := time.Duration(math.Ceil(float64(benchNodes)/benchSurge)) * (benchBoot + benchDrain)
	var ratio float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEngineEnv(b, startBenchSandbox(b))
		p := e.plan(b, plan.Selection{}, plan.Policy{MaxSurge: fmt.Sprint(benchSurge), MaxUnavailable: "0"})
		if len(p.Batches) != benchNodes/benchSurge {
			b.Fatalf("%d batches, want %d", len(p.Batches), benchNodes/benchSurge)
		}
		opts := defaultOptions()
		opts.LockDuration = 0
		b.StartTimer()
		res := e.run(b, "bench (pid 1)", p, opts, nil)
		b.StopTimer()
		if res.err != nil || res.report == nil || res.report.Summary.Rotated != benchNodes {
			b.Fatalf("run: %v, summary %+v", res.err, res.report)
		}
		ratio = res.wall.Seconds() / bound.Seconds()
		b.Logf("rotated %d nodes in %d batches: wall %s, lower bound %s, ratio %.3f (%s)",
			benchNodes, len(p.Batches), res.wall.Round(100*time.Millisecond), bound, ratio, batchFigures(res.events))
	}
	b.ReportMetric(ratio, "wall/bound")
	b.ReportMetric(0, "ns/op")
}

// batchFigures sums up how long the batches took, from their events.
func batchFigures(events []exec.Event) string {
	var started time.Time
	var slowest, total time.Duration
	n := 0
	for _, ev := range events {
		switch ev.Type {
		case exec.EventBatchStarted:
			started = ev.Time
		case exec.EventBatchFinished:
			d := ev.Time.Sub(started)
			total += d
			slowest = max(slowest, d)
			n++
		}
	}
	if n == 0 {
		return "no batch"
	}
	return fmt.Sprintf("batches: mean %s, slowest %s", (total / time.Duration(n)).Round(100*time.Millisecond), slowest.Round(100*time.Millisecond))
}

// startBenchSandbox starts the benchmark's sandbox and stops it when the benchmark ends.
func startBenchSandbox(b *testing.B) *env {
	b.Helper()
	sc, err := benchScenario()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	s, err := stack.Start(ctx, stack.Options{Dir: b.TempDir(), BinDir: sandbox.binDir, Scenario: sc, ReadyTimeout: 8 * time.Minute})
	if err != nil {
		b.Fatalf("start sandbox: %v", err)
	}
	b.Cleanup(func() {
		if err := s.Stop(); err != nil {
			b.Errorf("stop sandbox: %v", err)
		}
	})
	return &env{stack: s, plugin: sandbox.plugin, binDir: sandbox.binDir}
}
