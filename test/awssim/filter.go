package awssim

import (
	"strings"
)

// filter is one Name/Values pair of a describe call. Filters are joined with
// AND, the values of one filter with OR.
type filter struct {
	name   string
	values []string
}

// fieldFunc returns the values of a resource that a named filter compares
// against, and whether the filter name is known.
type fieldFunc[T any] func(v *T, name string) ([]string, bool)

// tagFilter matches the filters every EC2 and Auto Scaling describe call
// shares: tag:<key>, tag-key and tag-value. handled is false for other names.
func tagFilter(f filter, tags map[string]string, match func(patterns []string, s string) bool) (matched, handled bool) {
	switch {
	case strings.HasPrefix(f.name, "tag:"):
		v, ok := tags[strings.TrimPrefix(f.name, "tag:")]
		return ok && match(f.values, v), true
	case f.name == "tag-key":
		for k := range tags {
			if match(f.values, k) {
				return true, true
			}
		}
		return false, true
	case f.name == "tag-value":
		for _, v := range tags {
			if match(f.values, v) {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

// matchWildcards reports whether s matches one of the EC2 filter patterns,
// where * matches any run of characters, ? exactly one, and a backslash
// makes the next character literal.
func matchWildcards(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcardMatch([]rune(p), []rune(s)) {
			return true
		}
	}
	return false
}

// matchExact reports whether s equals one of the values; Auto Scaling
// filters take no wildcards.
func matchExact(values []string, s string) bool {
	for _, v := range values {
		if v == s {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against pattern with the greedy-star, single
// backtrack-point algorithm, linear in practice.
func wildcardMatch(p, s []rune) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch {
			case p[pi] == '*':
				star, mark = pi, si
				pi++
				continue
			case p[pi] == '?':
				pi++
				si++
				continue
			case p[pi] == '\\' && pi+1 < len(p):
				if p[pi+1] == s[si] {
					pi += 2
					si++
					continue
				}
			case p[pi] == s[si]:
				pi++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		mark++
		si = mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matcher builds the predicate for a list of filters over one resource type.
// It reports the first unknown filter name.
func matcher[T any](filters []filter, fields fieldFunc[T], tags func(*T) map[string]string,
	match func([]string, string) bool) (func(*T) bool, string) {
	for _, f := range filters {
		if _, handled := tagFilter(f, nil, match); handled {
			continue
		}
		var zero T
		if _, ok := fields(&zero, f.name); !ok {
			return nil, f.name
		}
	}
	return func(v *T) bool {
		for _, f := range filters {
			if ok, handled := tagFilter(f, tags(v), match); handled {
				if !ok {
					return false
				}
				continue
			}
			got, _ := fields(v, f.name)
			if !anyMatch(f.values, got, match) {
				return false
			}
		}
		return true
	}, ""
}

// anyMatch reports whether one of the resource's values matches the patterns.
func anyMatch(patterns, values []string, match func([]string, string) bool) bool {
	for _, v := range values {
		if match(patterns, v) {
			return true
		}
	}
	return false
}
