// Package release builds the release artifacts of kubectl-rotate: one reproducible archive per
// platform (.tar.gz, or .zip on Windows) holding the binary, LICENSE, README.md and the
// kubectl completion helper, and a checksums file in sha256sum format.
//
// Reproducible means that the same inputs give the same bytes: entries are sorted, their
// modification time is fixed (the commit time), their owner is 0/0 and their mode is 0755 for
// executables and 0644 for the rest.
package release

import "fmt"

// BinaryName is the name of the plugin binary without its platform suffix. kubectl finds a
// plugin named kubectl-<name> on PATH, so this is what "kubectl rotate" runs.
const BinaryName = "kubectl-rotate"

// CompletionName is the name of the completion helper without its platform suffix. kubectl
// (v1.26 and later) runs kubectl_complete-<plugin> from PATH to complete "kubectl <plugin> ...".
const CompletionName = "kubectl_complete-rotate"

// Platform is one GOOS/GOARCH pair that a release is built for.
type Platform struct {
	OS   string
	Arch string
}

// Platforms returns every platform a release is built for, in a fixed order.
func Platforms() []Platform {
	return []Platform{
		{OS: "linux", Arch: "amd64"},
		{OS: "linux", Arch: "arm64"},
		{OS: "darwin", Arch: "amd64"},
		{OS: "darwin", Arch: "arm64"},
		{OS: "windows", Arch: "amd64"},
		{OS: "windows", Arch: "arm64"},
	}
}

// String returns "os/arch".
func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Windows reports whether the platform is Windows, where executables end in .exe and archives
// are zip files.
func (p Platform) Windows() bool { return p.OS == "windows" }

// Binary returns the file name of the plugin binary on the platform.
func (p Platform) Binary() string {
	if p.Windows() {
		return BinaryName + ".exe"
	}
	return BinaryName
}

// Completion returns the file name of the completion helper on the platform: a POSIX shell
// script, or a batch file on Windows.
func (p Platform) Completion() string {
	if p.Windows() {
		return CompletionName + ".bat"
	}
	return CompletionName
}

// ArchiveExt returns the archive extension used on the platform.
func (p Platform) ArchiveExt() string {
	if p.Windows() {
		return ".zip"
	}
	return ".tar.gz"
}

// ArchiveName returns the file name of the platform's archive for version, for example
// kubectl-rotate_v1.2.3_linux_amd64.tar.gz.
func (p Platform) ArchiveName(version string) string {
	return fmt.Sprintf("%s_%s_%s_%s%s", BinaryName, version, p.OS, p.Arch, p.ArchiveExt())
}

// ChecksumsName returns the file name of the checksums file for version.
func ChecksumsName(version string) string {
	return fmt.Sprintf("%s_%s_checksums.txt", BinaryName, version)
}
