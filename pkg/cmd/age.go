package cmd

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ageValue is a flag holding a duration written as Go writes them (36h, 90m) or in days (30d).
type ageValue struct{ d *time.Duration }

func (a ageValue) String() string {
	if a.d == nil || *a.d == 0 {
		return "0"
	}
	return a.d.String()
}

func (a ageValue) Set(s string) error {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return fmt.Errorf("%q is not a number of days such as 30d", s)
		}
		*a.d = time.Duration(n) * 24 * time.Hour
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 30d or 36h", s)
	}
	*a.d = d
	return nil
}

func (a ageValue) Type() string { return "duration" }
