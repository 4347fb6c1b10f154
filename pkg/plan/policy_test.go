package plan

import (
	"fmt"
	"testing"
)

func TestParseIntOrPercent(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    IntOrPercent
		wantErr string
	}{
		{name: "count", in: "2", want: IntOrPercent{Value: 2}},
		{name: "zero", in: "0", want: IntOrPercent{}},
		{name: "percentage", in: "25%", want: IntOrPercent{Value: 25, Percent: true}},
		{name: "hundred percent", in: "100%", want: IntOrPercent{Value: 100, Percent: true}},
		{name: "letters", in: "abc", wantErr: `invalid value "abc": use a count such as 2 or a percentage such as 25%`},
		{name: "trailing garbage", in: "150%x", wantErr: "use a count"},
		{name: "bare percent sign", in: "%", wantErr: "use a count"},
		{name: "empty", in: "", wantErr: "use a count"},
		{name: "negative count", in: "-1", wantErr: "must not be negative"},
		{name: "negative percentage", in: "-5%", wantErr: "must not be negative"},
		{name: "above hundred percent", in: "150%", wantErr: "must not exceed 100%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIntOrPercent(tt.in)
			if wantError(t, err, tt.wantErr) {
				return
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if got.String() != tt.in {
				t.Fatalf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestIntOrPercentResolve(t *testing.T) {
	tests := []struct {
		name    string
		value   IntOrPercent
		total   int
		roundUp bool
		want    int
	}{
		{name: "count ignores total", value: IntOrPercent{Value: 3}, total: 10, roundUp: true, want: 3},
		{name: "percentage rounds up", value: IntOrPercent{Value: 25, Percent: true}, total: 10, roundUp: true, want: 3},
		{name: "percentage rounds down", value: IntOrPercent{Value: 25, Percent: true}, total: 10, want: 2},
		{name: "exact percentage", value: IntOrPercent{Value: 50, Percent: true}, total: 10, roundUp: true, want: 5},
		{name: "small percentage up", value: IntOrPercent{Value: 1, Percent: true}, total: 3, roundUp: true, want: 1},
		{name: "small percentage down", value: IntOrPercent{Value: 10, Percent: true}, total: 5, want: 0},
		{name: "empty group", value: IntOrPercent{Value: 50, Percent: true}, total: 0, roundUp: true, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.value.Resolve(tt.total, tt.roundUp); got != tt.want {
				t.Fatalf("Resolve(%d, %v) = %d, want %d", tt.total, tt.roundUp, got, tt.want)
			}
		})
	}
}

func TestBuildResolvesPolicyPerGroup(t *testing.T) {
	tests := []struct {
		name            string
		surge, unavail  string
		nodes           int
		wantSurge       int
		wantUnavailable int
		wantErr         string
	}{
		{name: "defaults", nodes: 4, wantSurge: 1, wantUnavailable: 0},
		{name: "counts", surge: "2", unavail: "1", nodes: 4, wantSurge: 2, wantUnavailable: 1},
		{name: "surge percentage rounds up", surge: "25%", unavail: "0", nodes: 10, wantSurge: 3},
		{name: "unavailable percentage rounds down", surge: "0", unavail: "25%", nodes: 10, wantUnavailable: 2},
		{name: "both zero", surge: "0", unavail: "0", nodes: 4,
			wantErr: "--max-surge and --max-unavailable cannot both be 0"},
		{name: "both zero after rounding", surge: "0", unavail: "10%", nodes: 5,
			wantErr: `--max-surge 0 and --max-unavailable 10% let no node of group "web" (5 nodes) be replaced; raise one of them`},
		{name: "malformed surge", surge: "abc", nodes: 4,
			wantErr: `invalid --max-surge "abc": use a count such as 2 or a percentage such as 25%`},
		{name: "malformed unavailable", unavail: "150%x", nodes: 4, wantErr: `invalid --max-unavailable "150%x"`},
		{name: "negative unavailable", unavail: "-1", nodes: 4, wantErr: `invalid --max-unavailable "-1": it must not be negative`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var nodes []NodeFacts
			for i := range tt.nodes {
				nodes = append(nodes, newNode(fmt.Sprintf("n%02d", i), "web", "us-east-1a", "ami-old"))
			}
			f := Facts{Now: testNow(), Nodes: nodes, Groups: []GroupFacts{newGroup("web", KindASG, "ami-new", tt.nodes)}, Images: testImages()}
			p, err := Build(f, Target{}, Selection{}, Policy{MaxSurge: tt.surge, MaxUnavailable: tt.unavail})
			if wantError(t, err, tt.wantErr) {
				return
			}
			g := p.Groups[0]
			if g.Surge != tt.wantSurge || g.Unavailable != tt.wantUnavailable {
				t.Fatalf("surge, unavailable = %d, %d, want %d, %d", g.Surge, g.Unavailable, tt.wantSurge, tt.wantUnavailable)
			}
		})
	}
}

func TestBuildPercentageCountsUnselectedNodes(t *testing.T) {
	nodes := zonedNodes("web", map[string]int{"us-east-1a": 10})
	f := Facts{Now: testNow(), Nodes: nodes, Groups: []GroupFacts{newGroup("web", KindASG, "ami-new", 10)}, Images: testImages()}
	p := mustBuild(t, f, Target{}, Selection{Nodes: []string{"a01", "a02"}}, Policy{MaxSurge: "50%"})
	if got := p.Groups[0].Surge; got != 5 {
		t.Fatalf("surge = %d, want 5 (50%% of all 10 nodes of the group)", got)
	}
	if got := len(p.Batches); got != 1 {
		t.Fatalf("got %d batches, want 1", got)
	}
	if got := p.Batches[0].Surge; got != 2 {
		t.Fatalf("batch surge = %d, want 2 (no more than the batch's nodes)", got)
	}
}

func TestValidatePolicy(t *testing.T) {
	tests := []struct {
		name    string
		policy  Policy
		wantErr string
	}{
		{name: "empty takes defaults", policy: Policy{}},
		{name: "percentages", policy: Policy{MaxSurge: "25%", MaxUnavailable: "10%"}},
		{name: "both zero", policy: Policy{MaxSurge: "0", MaxUnavailable: "0"}, wantErr: "cannot both be 0"},
		{name: "bad surge", policy: Policy{MaxSurge: "x"}, wantErr: "--max-surge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, ValidatePolicy(tt.policy), tt.wantErr)
		})
	}
}
