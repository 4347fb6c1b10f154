package release

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// SHA256 returns the lowercase hex sha256 of data.
func SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// SHA256File returns the lowercase hex sha256 of the file at path.
func SHA256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("checksum: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("checksum of %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteChecksums writes sums (file name to sha256) in the format of sha256sum, one line per
// file sorted by name, so that "sha256sum -c" verifies them.
func WriteChecksums(w io.Writer, sums map[string]string) error {
	names := make([]string, 0, len(sums))
	for name := range sums {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, err := fmt.Fprintf(w, "%s  %s\n", sums[name], name); err != nil {
			return fmt.Errorf("write checksums: %w", err)
		}
	}
	return nil
}

// ParseChecksums reads a file in the format of sha256sum (a text "  " or binary " *" marker
// between the hash and the name) and returns file name to lowercase sha256.
func ParseChecksums(r io.Reader) (map[string]string, error) {
	line := regexp.MustCompile(`^([0-9a-fA-F]{64}) [ *](.+)$`)
	sums := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if text == "" {
			continue
		}
		m := line.FindStringSubmatch(text)
		if m == nil {
			return nil, fmt.Errorf("checksums line %d is not \"<sha256>  <file>\": %q", n, text)
		}
		if _, dup := sums[m[2]]; dup {
			return nil, fmt.Errorf("checksums line %d: %s is listed twice", n, m[2])
		}
		sums[m[2]] = strings.ToLower(m[1])
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read checksums: %w", err)
	}
	return sums, nil
}

// ReadChecksumsFile reads a checksums file written by WriteChecksums.
func ReadChecksumsFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checksums: %w", err)
	}
	defer f.Close()
	sums, err := ParseChecksums(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sums, nil
}
