package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kubectl-rotate/kubectl-rotate/pkg/permissions"
)

// CheckReport is the outcome of kubectl rotate check; -o json prints it.
type CheckReport struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Force      bool            `json:"force"`
	Kubernetes KubernetesCheck `json:"kubernetes"`
	AWS        AWSCheck        `json:"aws"`
	// Ready is true when nothing required is missing and both sides could be checked.
	Ready   bool   `json:"ready"`
	Summary string `json:"summary"`
}

// KubernetesCheck is the Kubernetes half of a check.
type KubernetesCheck struct {
	Context   string `json:"context"`
	Server    string `json:"server"`
	Version   string `json:"version"`
	Reachable bool   `json:"reachable"`
	// Error says why the API server could not be asked, when it could not.
	Error       string            `json:"error"`
	Permissions []PermissionCheck `json:"permissions"`
}

// AWSCheck is the AWS half of a check.
type AWSCheck struct {
	Region string `json:"region"`
	// Credentials names where the credentials came from, never what they are.
	Credentials string `json:"credentials"`
	// Identity is the caller's ARN from sts:GetCallerIdentity, when STS answered.
	Identity   string `json:"identity"`
	EKSCluster string `json:"eksCluster"`
	Reachable  bool   `json:"reachable"`
	// Error says why AWS could not be asked, when it could not.
	Error   string            `json:"error"`
	Actions []PermissionCheck `json:"actions"`

	// identityWhy says why Identity is empty when STS was asked.
	identityWhy string
}

// PermissionCheck is the result for one Kubernetes rule or AWS action.
type PermissionCheck struct {
	Permission string `json:"permission"`
	// Result is ok, missing, unverified or skipped.
	Result   string `json:"result"`
	Required bool   `json:"required"`
	Why      string `json:"why"`
}

// summarize sets the report's summary sentence and readiness, and returns the sentence that
// ends a failed check: what is missing and the fix, or what could not be reached.
func summarize(rep *CheckReport) string {
	kMissing, kForce := missingOf(rep.Kubernetes.Permissions)
	aMissing, _ := missingOf(rep.AWS.Actions)
	unverifiable := 0
	for _, a := range rep.AWS.Actions {
		if a.Result == resultUnverified {
			unverifiable++
		}
	}
	var problems []string
	if len(kMissing) > 0 {
		fix := fixRBAC
		if kForce == len(kMissing) {
			fix = fixRBACForce
		} else if kForce > 0 {
			fix += ", and to the kubectl-rotate-force ClusterRole for --on-drain-timeout force"
		}
		clause := "it is not allowed to " + listed(kMissing) + " in Kubernetes"
		if len(kMissing) > maxNamed && len(kMissing) == countAsked(rep.Kubernetes.Permissions) {
			clause = fmt.Sprintf("it holds none of the %d Kubernetes permissions a rotation needs", len(kMissing))
		}
		problems = append(problems, clause+" ("+fix+")")
	}
	if len(aMissing) > 0 {
		clause := "it is not allowed to call " + listed(aMissing) + " in AWS"
		if len(aMissing) > maxNamed && len(aMissing) == countAsked(rep.AWS.Actions) {
			clause = fmt.Sprintf("it may call none of the %d AWS actions that were checked", len(aMissing))
		}
		problems = append(problems, clause+" ("+fixIAM+")")
	}
	if !rep.Kubernetes.Reachable {
		problems = append(problems, "Kubernetes could not be checked: "+rep.Kubernetes.Error)
	}
	if !rep.AWS.Reachable {
		problems = append(problems, "AWS could not be checked: "+rep.AWS.Error)
	}
	rep.Ready = len(problems) == 0
	switch {
	case rep.Ready && unverifiable > 0:
		rep.Summary = fmt.Sprintf("Ready: every permission that can be checked is granted; %s cannot be checked without acting, so make sure the AWS identity's policy grants them as deploy/iam-policy.json does.", plural(unverifiable, "AWS action", "AWS actions"))
	case rep.Ready:
		rep.Summary = "Ready: every permission is granted."
	default:
		rep.Summary = "Not ready: " + notReady(len(kMissing), len(aMissing), rep) + "."
	}
	if rep.Ready {
		return ""
	}
	return "This identity cannot rotate: " + strings.Join(problems, "; ") + "."
}

// maxNamed bounds how many missing permissions the closing sentence names.
const maxNamed = 5

// listed names the missing permissions for the closing sentence: all of them when there are
// few, the first few and a count otherwise.
func listed(missing []string) string {
	if len(missing) > maxNamed {
		return fmt.Sprintf("%s and %d more (see the table)", strings.Join(missing[:maxNamed], ", "), len(missing)-maxNamed)
	}
	return strings.Join(missing, ", ")
}

// countAsked counts the required checks that got an answer, granted or not.
func countAsked(checks []PermissionCheck) int {
	n := 0
	for _, c := range checks {
		if c.Required && (c.Result == resultOK || c.Result == resultMissing) {
			n++
		}
	}
	return n
}

// missingOf names the required checks that are missing, and counts the force-only ones.
func missingOf(checks []PermissionCheck) (names []string, force int) {
	forceRules := map[string]bool{}
	for _, r := range permissions.Kubernetes() {
		if r.Need == permissions.Force {
			forceRules[r.String()] = true
		}
	}
	for _, c := range checks {
		if c.Result == resultMissing && c.Required {
			names = append(names, c.Permission)
			if forceRules[c.Permission] {
				force++
			}
		}
	}
	return names, force
}

// notReady says what keeps a check from passing: how many permissions are missing on each
// side and which side could not be checked.
func notReady(kMissing, aMissing int, rep *CheckReport) string {
	var missing, parts []string
	if kMissing > 0 {
		missing = append(missing, plural(kMissing, "Kubernetes permission", "Kubernetes permissions"))
	}
	if aMissing > 0 {
		missing = append(missing, plural(aMissing, "AWS action", "AWS actions"))
	}
	if len(missing) > 0 {
		parts = append(parts, strings.Join(missing, " and ")+" missing")
	}
	if !rep.Kubernetes.Reachable {
		parts = append(parts, "the Kubernetes API server could not be asked")
	}
	if !rep.AWS.Reachable {
		parts = append(parts, "AWS could not be asked")
	}
	return strings.Join(parts, "; ")
}

// plural is "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// print writes the report as JSON or as a table grouped Kubernetes / AWS.
func (o *CheckOptions) print(rep CheckReport, clusterWhy string) error {
	if o.Output == "json" {
		enc := json.NewEncoder(o.streams.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	var table strings.Builder
	w := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	k := rep.Kubernetes
	fmt.Fprintln(w, "KUBERNETES\tRESULT\tWHY")
	server := "API server"
	if k.Context != "" {
		server += " (context " + k.Context + ")"
	}
	if k.Reachable {
		version := k.Version
		if k.Server != "" {
			version += " at " + k.Server
		}
		row(w, server, resultOK, strings.TrimSpace(version))
	} else {
		row(w, server, resultFailed, k.Error)
	}
	rows(w, k.Permissions, "every permission")
	a := rep.AWS
	// A line of empty cells keeps both groups in one set of aligned columns.
	fmt.Fprintln(w, "\t\t")
	fmt.Fprintln(w, "AWS\tRESULT\tWHY")
	switch {
	case a.Region == "":
		row(w, "credentials and region", resultFailed, a.Error)
	case a.Credentials != "":
		row(w, "credentials and region", resultOK, a.Credentials+", region "+a.Region)
	default:
		row(w, "credentials and region", resultOK, "region "+a.Region)
	}
	if a.Region != "" {
		switch {
		case a.Identity != "":
			row(w, "identity", resultOK, a.Identity)
		case a.identityWhy != "":
			row(w, "identity", resultUnverified, a.identityWhy)
		}
	}
	if a.EKSCluster != "" {
		row(w, "EKS cluster", resultOK, a.EKSCluster+" ("+clusterWhy+")")
	} else {
		row(w, "EKS cluster", resultSkipped, clusterWhy)
	}
	rows(w, a.Actions, "every action")
	if err := w.Flush(); err != nil {
		return err
	}
	var out strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n") {
		out.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	out.WriteString("\n" + rep.Summary + "\n")
	_, err := io.WriteString(o.streams.Out, out.String())
	return err
}

// rows writes one line per check, or a single line named all when none was made for one reason.
func rows(w io.Writer, checks []PermissionCheck, all string) {
	same := len(checks) > 1
	for _, c := range checks {
		same = same && c.Result == resultSkipped && c.Why == checks[0].Why
	}
	if same {
		row(w, fmt.Sprintf("%s (%d)", all, len(checks)), resultSkipped, checks[0].Why)
		return
	}
	for _, c := range checks {
		row(w, c.Permission, c.Result, c.Why)
	}
}

// row writes one table line, upper-casing the results that need attention.
func row(w io.Writer, check, result, why string) {
	if result == resultMissing || result == resultFailed {
		result = strings.ToUpper(result)
	}
	fmt.Fprintf(w, "%s\t%s\t%s\n", check, result, why)
}
