// Command release builds the release artifacts of kubectl-rotate and checks its krew
// manifest. The Makefile runs it:
//
//	release dist          cross-compile, archive, checksum, and write the krew manifest (make dist)
//	release manifest      write the krew manifest of a version from its checksums file (make krew-manifest)
//	release validate-krew check manifests against krew's rules and install them as krew would (make validate-krew)
//
// Run "release <command> -h" for the flags of a command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Usage: release <command> [flags]

Commands:
  dist           cross-compile kubectl-rotate, pack reproducible archives, write checksums and the krew manifest
  manifest       write the krew manifest of a version from the release checksums
  validate-krew  check krew manifests against every rule of krew's validate-krew-manifest, and install them as krew would

Run "release <command> -h" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "release: %v\n", err)
		os.Exit(1)
	}
}

// run runs the command line args (without the program name).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	var err error
	switch args[0] {
	case "dist":
		err = runDist(ctx, args[1:], stdout, stderr)
	case "manifest":
		err = runManifest(args[1:], stdout, stderr)
	case "validate-krew":
		err = runValidateKrew(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprint(stderr, usage)
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// newFlagSet returns a flag set for a command that reports its errors to stderr.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("release "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
