package plan

import (
	"strconv"
	"time"
)

const day = 24 * time.Hour

// HumanDuration writes d the way people write node ages and --older-than: "45d", "1d12h",
// "5h", "3h20m", "12m", "40s". It truncates to its two largest units.
func HumanDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d >= day:
		return twoUnits(int(d/day), "d", int((d%day)/time.Hour), "h")
	case d >= time.Hour:
		return twoUnits(int(d/time.Hour), "h", int((d%time.Hour)/time.Minute), "m")
	case d >= time.Minute:
		return twoUnits(int(d/time.Minute), "m", int((d%time.Minute)/time.Second), "s")
	default:
		return strconv.Itoa(int(d/time.Second)) + "s"
	}
}

// twoUnits writes "<a><ua><b><ub>", leaving out the second part when it is 0.
func twoUnits(a int, ua string, b int, ub string) string {
	s := strconv.Itoa(a) + ua
	if b > 0 {
		s += strconv.Itoa(b) + ub
	}
	return s
}
