package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/kubectl-rotate/kubectl-rotate/internal/krew"
	"github.com/kubectl-rotate/kubectl-rotate/internal/release"
)

func runManifest(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("manifest", stderr)
	version := fs.String("version", "", "release version, with a leading v (required unless --from)")
	checksums := fs.String("checksums", "", "the release checksums file (default: dist/"+release.ChecksumsName("<version>")+")")
	from := fs.String("from", "", "take the version and sha256 values from this manifest instead (after a change of the template)")
	out := fs.String("out", "krew-manifest.yaml", `file to write, or "-" for standard output`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var sums map[string]string
	switch {
	case *from != "":
		p, err := krew.ReadFile(*from)
		if err != nil {
			return err
		}
		*version, sums = krew.ReleaseSums(p)
		*checksums = *from
	case *version == "":
		return errors.New("manifest needs --version (or --from)")
	default:
		if *checksums == "" {
			*checksums = filepath.Join("dist", release.ChecksumsName(*version))
		}
		var err error
		if sums, err = release.ReadChecksumsFile(*checksums); err != nil {
			return fmt.Errorf("%w (run make dist VERSION=%s first)", err, *version)
		}
	}
	manifest, err := krew.Generate(*version, sums)
	if err != nil {
		return err
	}
	if *out == "-" {
		_, err := stdout.Write(manifest)
		return err
	}
	if err := release.WriteFile(*out, manifest); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s for %s from %s\n", *out, *version, *checksums)
	return nil
}
