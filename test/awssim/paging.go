package awssim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// errBadToken reports a pagination token this server did not issue for the
// operation; each protocol maps it to its own error code.
var errBadToken = errors.New("invalid pagination token")

// pageToken is what an opaque NextToken carries: the operation it continues
// and the sort key of the last item returned.
type pageToken struct {
	Op    string `json:"o"`
	After string `json:"a"`
}

// encodeToken returns the NextToken that continues op after the key after,
// or "" when there is nothing to continue.
func encodeToken(op, after string) string {
	if after == "" {
		return ""
	}
	raw, err := json.Marshal(pageToken{Op: op, After: after})
	if err != nil {
		// Marshalling two strings cannot fail.
		panic(fmt.Sprintf("awssim: encoding a page token: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeToken returns the key to continue op after; an empty token starts
// from the beginning.
func decodeToken(op, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errBadToken, err)
	}
	var t pageToken
	if err := json.Unmarshal(raw, &t); err != nil {
		return "", fmt.Errorf("%w: %w", errBadToken, err)
	}
	if t.Op != op || t.After == "" {
		return "", fmt.Errorf("%w: issued for %q, not %q", errBadToken, t.Op, op)
	}
	return t.After, nil
}

// pageLimit is a page size request: absent, or a number within bounds.
type pageLimit struct {
	present bool
	value   int
}

// parsePageLimit reads an integer page size parameter. It reports a parse
// failure as err; range checks are left to the caller, whose error codes
// differ per service.
func parsePageLimit(raw string) (pageLimit, error) {
	if raw == "" {
		return pageLimit{}, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return pageLimit{}, fmt.Errorf("page size %q is not an integer: %w", raw, err)
	}
	return pageLimit{present: true, value: n}, nil
}

// pageSlice returns the items after the key after, at most limit of them
// (0 means all), and the key to continue after when more remain. items must
// be ordered ascending by key.
func pageSlice[T any](items []T, key func(T) string, after string, limit int) ([]T, string) {
	start := 0
	if after != "" {
		for start < len(items) && key(items[start]) <= after {
			start++
		}
	}
	rest := items[start:]
	if limit <= 0 || len(rest) <= limit {
		return rest, ""
	}
	return rest[:limit], key(rest[limit-1])
}
