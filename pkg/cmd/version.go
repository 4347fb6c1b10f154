package cmd

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// VersionInfo describes the build of kubectl rotate.
type VersionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

func newVersionCommand(streams genericiooptions.IOStreams, v VersionInfo) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubectl rotate",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if v.Version == "" {
				v.Version = "dev"
			}
			v.GoVersion = runtime.Version()
			v.Platform = runtime.GOOS + "/" + runtime.GOARCH
			switch output {
			case "":
				commit := ""
				if v.Commit != "" {
					commit = " (" + v.Commit + ")"
				}
				_, err := fmt.Fprintf(streams.Out, "kubectl-rotate %s%s %s %s\n", v.Version, commit, v.GoVersion, v.Platform)
				return err
			case "json":
				enc := json.NewEncoder(streams.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			default:
				return usageErrorf("--output %q is not supported; use json", output)
			}
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "output format: json")
	return c
}
