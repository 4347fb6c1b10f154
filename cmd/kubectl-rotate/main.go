// Command kubectl-rotate is the kubectl plugin that rotates Kubernetes nodes on AWS onto a new
// machine image. Run it as "kubectl rotate".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	_ "k8s.io/client-go/plugin/pkg/client/auth"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/cmd"
)

// version and commit are set at build time with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = ""
	commit  = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	code := cmd.Main(ctx, os.Args[1:], streams, cmd.Environment{Version: cmd.VersionInfo{Version: version, Commit: commit}})
	stop()
	os.Exit(code)
}
