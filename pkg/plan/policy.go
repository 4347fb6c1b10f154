package plan

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Defaults applied to the empty fields of a Policy.
const (
	// DefaultMaxSurge is the --max-surge used when none is given.
	DefaultMaxSurge = "1"
	// DefaultMaxUnavailable is the --max-unavailable used when none is given.
	DefaultMaxUnavailable = "0"
	// DefaultBootTime is how long a replacement node is expected to take to become Ready.
	DefaultBootTime = 3 * time.Minute
	// DefaultDrainTime is how long a node is expected to take to drain.
	DefaultDrainTime = 2 * time.Minute
)

// Flag names used in messages about the policy.
const (
	flagMaxSurge       = "--max-surge"
	flagMaxUnavailable = "--max-unavailable"
)

// IntOrPercent is a count such as 2 or a percentage such as 25%, the values --max-surge and
// --max-unavailable take.
type IntOrPercent struct {
	// Value is the count, or the percentage when Percent is true.
	Value int
	// Percent says Value is a percentage of the group's node count.
	Percent bool
}

// ParseIntOrPercent reads a count ("2") or a percentage ("25%"). Negative values,
// percentages above 100% and anything else are errors.
func ParseIntOrPercent(s string) (IntOrPercent, error) {
	v, err := parseIntOrPercent(s)
	if err != nil {
		return IntOrPercent{}, fmt.Errorf("invalid value %q: %w", s, err)
	}
	return v, nil
}

// parseIntOrPercent is ParseIntOrPercent with an error that does not repeat the input.
func parseIntOrPercent(s string) (IntOrPercent, error) {
	s = strings.TrimSpace(s)
	digits, percent := strings.CutSuffix(s, "%")
	n, err := strconv.Atoi(digits)
	if err != nil || digits == "" {
		return IntOrPercent{}, errors.New("use a count such as 2 or a percentage such as 25%")
	}
	if n < 0 {
		return IntOrPercent{}, errors.New("it must not be negative")
	}
	if percent && n > 100 {
		return IntOrPercent{}, errors.New("a percentage must not exceed 100%")
	}
	return IntOrPercent{Value: n, Percent: percent}, nil
}

// String writes v back in the form ParseIntOrPercent reads.
func (v IntOrPercent) String() string {
	if v.Percent {
		return strconv.Itoa(v.Value) + "%"
	}
	return strconv.Itoa(v.Value)
}

// IsZero reports whether v resolves to 0 for every group size.
func (v IntOrPercent) IsZero() bool { return v.Value == 0 }

// Resolve turns v into a number of nodes of a group of total nodes. A percentage rounds up
// when roundUp is true (as --max-surge does) and down otherwise (as --max-unavailable does);
// a count is returned as it is.
func (v IntOrPercent) Resolve(total int, roundUp bool) int {
	if !v.Percent {
		return v.Value
	}
	if total <= 0 {
		return 0
	}
	n := total * v.Value
	if roundUp {
		return (n + 99) / 100
	}
	return n / 100
}

// policyValues is a Policy with its defaults applied and its limits parsed.
type policyValues struct {
	policy      Policy
	surge       IntOrPercent
	unavailable IntOrPercent
}

// ValidatePolicy checks the syntax of the policy's --max-surge and --max-unavailable and that
// they are not both 0, so a command can reject bad flags before discovery. Empty fields take
// DefaultMaxSurge and DefaultMaxUnavailable.
func ValidatePolicy(p Policy) error {
	_, err := parsePolicy(p)
	return err
}

// parsePolicy applies the defaults of p and parses its limits.
func parsePolicy(p Policy) (policyValues, error) {
	if p.MaxSurge == "" {
		p.MaxSurge = DefaultMaxSurge
	}
	if p.MaxUnavailable == "" {
		p.MaxUnavailable = DefaultMaxUnavailable
	}
	if p.BootTime <= 0 {
		p.BootTime = DefaultBootTime
	}
	if p.DrainTime <= 0 {
		p.DrainTime = DefaultDrainTime
	}
	surge, err := parseIntOrPercent(p.MaxSurge)
	if err != nil {
		return policyValues{}, fmt.Errorf("invalid %s %q: %w", flagMaxSurge, p.MaxSurge, err)
	}
	unavailable, err := parseIntOrPercent(p.MaxUnavailable)
	if err != nil {
		return policyValues{}, fmt.Errorf("invalid %s %q: %w", flagMaxUnavailable, p.MaxUnavailable, err)
	}
	if surge.IsZero() && unavailable.IsZero() {
		return policyValues{}, fmt.Errorf("%s and %s cannot both be 0", flagMaxSurge, flagMaxUnavailable)
	}
	return policyValues{policy: p, surge: surge, unavailable: unavailable}, nil
}

// resolve returns the surge and unavailability of a group of size nodes, or an error when
// together they let no node of the group be replaced.
func (v policyValues) resolve(group string, size int) (surge, unavailable int, err error) {
	surge = v.surge.Resolve(size, true)
	unavailable = v.unavailable.Resolve(size, false)
	if surge == 0 && unavailable == 0 {
		return 0, 0, fmt.Errorf("%s %s and %s %s let no node of group %q (%d nodes) be replaced; raise one of them",
			flagMaxSurge, v.surge, flagMaxUnavailable, v.unavailable, group, size)
	}
	return surge, unavailable, nil
}

// summary records the policy in the plan.
func (v policyValues) summary(olderThan time.Duration) PolicySummary {
	s := PolicySummary{
		MaxSurge:           v.policy.MaxSurge,
		MaxUnavailable:     v.policy.MaxUnavailable,
		DeleteEmptyDirData: v.policy.DeleteEmptyDirData,
	}
	if olderThan > 0 {
		s.OlderThan = HumanDuration(olderThan)
	}
	return s
}
