// Package cluster runs a local Kubernetes control plane for tests and demos:
// etcd embedded in this process, and kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok as child processes, all on loopback ports chosen at
// start. kwok plays the kubelet for nodes annotated kwok.x-k8s.io/node=fake,
// so Node objects created through the API become Ready, pods scheduled on
// them run, and evicted pods terminate after their grace period, without
// containers, virtual machines or cloud accounts.
//
// The binaries come from the binaries package. Children run in their own
// process group, log to files under the state directory, and on Linux are
// killed by the kernel if this process dies.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Options configures Start.
type Options struct {
	// Dir is the state directory, for example <repo>/.sandbox. Start writes
	// Dir/kubeconfig (the admin's), Dir/rotator.kubeconfig (RotatorUser's),
	// Dir/logs/<component>.log and Dir/run (certificates,
	// etcd data, component configuration), and locks Dir/lock. Dir/run and the
	// logs are replaced at every start: each start is a new cluster.
	Dir string
	// BinDir holds kube-apiserver, kube-controller-manager, kube-scheduler
	// and kwok. Empty means Dir/bin.
	BinDir string
	// Progress receives one line per start-up step. Nil discards it.
	Progress io.Writer
	// StartTimeout bounds Start; zero means three minutes.
	StartTimeout time.Duration
}

// Cluster is a running sandbox control plane.
type Cluster struct {
	opts       Options
	kubeconfig string
	rotator    string // RotatorUser's kubeconfig
	logDir     string
	restConfig *rest.Config
	version    string

	lock  *os.File
	etcd  *embed.Etcd
	procs []*process

	mu       sync.Mutex
	stopping bool
	failed   chan struct{} // closed with failErr when a component dies
	failErr  error

	stopOnce sync.Once
	stopErr  error
}

// Start brings up a new cluster and returns when the API server is ready,
// the controller manager has created the default service account, and the
// scheduler and kwok are running. ctx bounds the start only; the cluster runs
// until Stop. On error everything started is stopped again.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.Dir == "" {
		return nil, errors.New("cluster: Options.Dir is required")
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolve state directory: %w", err)
	}
	o.Dir = dir
	if o.BinDir == "" {
		o.BinDir = filepath.Join(dir, "bin")
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 3 * time.Minute
	}
	for _, name := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if _, err := os.Stat(filepath.Join(o.BinDir, name)); err != nil {
			return nil, fmt.Errorf("%s is not built in %s (build it with: go run ./cmd/sandbox build): %w", name, o.BinDir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		opts:       o,
		kubeconfig: filepath.Join(dir, "kubeconfig"),
		rotator:    filepath.Join(dir, "rotator.kubeconfig"),
		logDir:     filepath.Join(dir, "logs"),
		lock:       lock,
		failed:     make(chan struct{}),
	}
	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	if err := c.start(ctx); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	begin := time.Now()
	runDir := filepath.Join(c.opts.Dir, "run")
	// A kubeconfig left by a sandbox that was killed points at nothing.
	for _, path := range []string{c.kubeconfig, c.rotator} {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove stale kubeconfig: %w", err)
		}
	}
	for _, d := range []string{runDir, c.logDir} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("clear %s: %w", d, err)
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	pki, err := generatePKI(filepath.Join(runDir, "pki"), net.ParseIP(serviceIP))
	if err != nil {
		return err
	}

	e, etcdURL, err := startEtcd(ctx, filepath.Join(runDir, "etcd"), c.logPath("etcd"))
	if err != nil {
		return err
	}
	c.etcd = e
	c.step(begin, "etcd ready on %s", etcdURL)
	port, err := freePort()
	if err != nil {
		return err
	}
	server := "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	r := componentConfig{
		pki:                  pki,
		etcdURL:              etcdURL,
		apiserverPort:        port,
		controllerKubeconfig: filepath.Join(runDir, "kube-controller-manager.kubeconfig"),
		schedulerKubeconfig:  filepath.Join(runDir, "kube-scheduler.kubeconfig"),
		kwokKubeconfig:       filepath.Join(runDir, "kwok.kubeconfig"),
		kwokConfig:           filepath.Join(runDir, "kwok.yaml"),
		auditPolicy:          filepath.Join(runDir, "audit-policy.yaml"),
		auditLog:             c.AuditLog(),
	}
	for path, user := range map[string]string{
		r.controllerKubeconfig: userControllerManager,
		r.schedulerKubeconfig:  userScheduler,
		r.kwokKubeconfig:       userKwok,
	} {
		if err := writeKubeconfig(path, server, pki.caPEM, user, pki.tokens[user]); err != nil {
			return err
		}
	}
	if err := writeKwokConfig(r.kwokConfig); err != nil {
		return err
	}
	if err := writeAuditPolicy(r.auditPolicy); err != nil {
		return err
	}
	c.restConfig = restConfig(server, pki.caPEM, pki.tokens[userAdmin])
	client, err := kubernetes.NewForConfig(c.restConfig)
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}

	apiserver, err := c.run("kube-apiserver", apiserverArgs(r, filepath.Join(runDir, "apiserver-certs")))
	if err != nil {
		return err
	}
	if err := waitAPIServerReady(ctx, client, apiserver); err != nil {
		return err
	}
	c.step(begin, "kube-apiserver ready on %s", server)

	var others []*process
	for _, comp := range []struct {
		name string
		args []string
	}{
		{"kube-controller-manager", controllerManagerArgs(r)},
		{"kube-scheduler", schedulerArgs(r)},
		{"kwok", kwokArgs(r)},
	} {
		p, err := c.run(comp.name, comp.args)
		if err != nil {
			return err
		}
		others = append(others, p)
	}
	if err := waitDefaultServiceAccount(ctx, client, others[0]); err != nil {
		return err
	}
	c.step(begin, "kube-controller-manager ready")
	for _, p := range others {
		if !p.running() {
			return p.exitError()
		}
	}
	info, err := client.Discovery().ServerVersion()
	if err != nil {
		return fmt.Errorf("read server version: %w", err)
	}
	c.version = info.GitVersion
	if err := writeKubeconfig(c.rotator, server, pki.caPEM, RotatorUser, pki.tokens[RotatorUser]); err != nil {
		return err
	}
	if err := writeKubeconfig(c.kubeconfig, server, pki.caPEM, userAdmin, pki.tokens[userAdmin]); err != nil {
		return err
	}
	c.watch()
	c.step(begin, "cluster %s ready; kubeconfig %s", c.version, c.kubeconfig)
	return nil
}

func (c *Cluster) step(begin time.Time, format string, args ...any) {
	fmt.Fprintf(c.opts.Progress, "[%5.1fs] %s\n", time.Since(begin).Seconds(), fmt.Sprintf(format, args...))
}

func (c *Cluster) logPath(component string) string {
	return filepath.Join(c.logDir, component+".log")
}

func (c *Cluster) run(name string, args []string) (*process, error) {
	p, err := startProcess(name, filepath.Join(c.opts.BinDir, name), args, c.logPath(name))
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, p)
	return p, nil
}

// watch reports the first component that ends while the cluster should run.
func (c *Cluster) watch() {
	for _, p := range c.procs {
		go func() {
			<-p.exited
			c.fail(p.exitError())
		}()
	}
	go func() {
		err, ok := <-c.etcd.Err()
		if !ok || err == nil {
			err = errors.New("stopped")
		}
		c.fail(fmt.Errorf("embedded etcd: %w; see %s", err, c.logPath("etcd")))
	}()
}

func (c *Cluster) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopping || c.failErr != nil {
		return
	}
	c.failErr = err
	close(c.failed)
}

// Done is closed when a component of the running cluster ends before Stop
// was called; Err then says which and why.
func (c *Cluster) Done() <-chan struct{} {
	return c.failed
}

// Err returns why the cluster failed, or nil while it runs.
func (c *Cluster) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failErr
}

// Kubeconfig returns the path of the admin kubeconfig, Dir/kubeconfig.
func (c *Cluster) Kubeconfig() string {
	return c.kubeconfig
}

// RotatorKubeconfig returns the path of the kubeconfig of RotatorUser,
// Dir/rotator.kubeconfig: a user outside system:masters, in RotatorGroup.
func (c *Cluster) RotatorKubeconfig() string {
	return c.rotator
}

// AuditLog is the API server's audit log: one JSON event per line for every pod deletion
// and eviction, and for every request of RotatorUser.
func (c *Cluster) AuditLog() string {
	return filepath.Join(c.logDir, "audit.log")
}

// LogDir returns the directory of the component logs, Dir/logs.
func (c *Cluster) LogDir() string {
	return c.logDir
}

// Version returns the API server's version, for example v1.36.4.
func (c *Cluster) Version() string {
	return c.version
}

// RESTConfig returns a new admin client configuration for the API server.
func (c *Cluster) RESTConfig() *rest.Config {
	return rest.CopyConfig(c.restConfig)
}

// Stop stops kwok, the scheduler and the controller manager, then the API
// server, then etcd, and removes the kubeconfig files. Each child gets SIGTERM and
// five seconds before its process group is killed. Stop is idempotent and
// safe to call concurrently; every call returns the first call's result.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		c.mu.Lock()
		c.stopping = true
		c.mu.Unlock()

		var errs []error
		// The API server goes last: the others would only log errors
		// about a missing server while stopping.
		var wg sync.WaitGroup
		errc := make(chan error, len(c.procs))
		for i, p := range c.procs {
			if i == 0 {
				continue
			}
			wg.Go(func() { errc <- p.stop(5 * time.Second) })
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			errs = append(errs, err)
		}
		if len(c.procs) > 0 {
			errs = append(errs, c.procs[0].stop(5*time.Second))
		}
		if c.etcd != nil {
			c.etcd.Close()
		}
		for _, path := range []string{c.kubeconfig, c.rotator} {
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("remove kubeconfig: %w", err))
			}
		}
		if c.lock != nil {
			errs = append(errs, c.lock.Close())
		}
		c.stopErr = errors.Join(errs...)
	})
	return c.stopErr
}
