// Package scenario reads the sandbox's scenarios: the node groups of a simulated AWS
// account, the images the nodes run and are to run, and the workloads of the cluster.
package scenario

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// builtin holds the scenarios shipped with the sandbox, scenarios/<name>.yaml.
//
//go:embed scenarios/*.yaml
var builtin embed.FS

// Kinds of node group a scenario can hold.
const (
	KindASG        = "asg"
	KindEKSManaged = "eks-managed"
	KindKops       = "kops"
)

// Scenario is a cluster on a simulated AWS account.
type Scenario struct {
	Name    string `json:"name"`
	Region  string `json:"region"`
	Cluster string `json:"cluster"`
	// BootDelay is how long a launched instance takes to become a Ready node;
	// ShutdownDelay how long a terminated one takes to leave.
	BootDelay     Duration `json:"bootDelay"`
	ShutdownDelay Duration `json:"shutdownDelay"`
	Images        struct {
		Old Image `json:"old"`
		New Image `json:"new"`
	} `json:"images"`
	Groups []Group `json:"groups"`
	// Workloads are Kubernetes manifests applied once the nodes are Ready.
	Workloads string `json:"workloads"`
}

// Image is a machine image of the scenario.
type Image struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Group is one node group.
type Group struct {
	Name         string   `json:"name"`
	Kind         string   `json:"kind"`
	Zones        []string `json:"zones"`
	Size         int      `json:"size"`
	MaxSize      int      `json:"maxSize"`
	InstanceType string   `json:"instanceType"`
}

// Duration is a time.Duration written as "8s".
type Duration struct{ time.Duration }

// UnmarshalJSON reads a duration such as "8s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	d.Duration = v
	return nil
}

// Names lists the built-in scenarios.
func Names() []string {
	entries, _ := fs.ReadDir(builtin, "scenarios")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Load reads a built-in scenario by name, or a scenario file when nameOrPath names one.
func Load(nameOrPath string) (*Scenario, error) {
	data, err := builtin.ReadFile("scenarios/" + nameOrPath + ".yaml")
	if err != nil {
		var fileErr error
		data, fileErr = os.ReadFile(nameOrPath)
		if fileErr != nil {
			return nil, fmt.Errorf("scenario %q is neither built in (%s) nor a readable file: %w", nameOrPath, strings.Join(Names(), ", "), errors.Join(err, fileErr))
		}
	}
	return Parse(data)
}

var amiPattern = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)

// Parse reads and checks a scenario.
func Parse(data []byte) (*Scenario, error) {
	var s Scenario
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		return nil, fmt.Errorf("parse scenario: %w", err)
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("scenario %q: %w", s.Name, err)
	}
	return &s, nil
}

func (s *Scenario) validate() error {
	if s.Region == "" || s.Cluster == "" {
		return errors.New("region and cluster are required")
	}
	for _, img := range []Image{s.Images.Old, s.Images.New} {
		if !amiPattern.MatchString(img.ID) {
			return fmt.Errorf("image %q is not an AMI ID", img.ID)
		}
	}
	if len(s.Groups) == 0 {
		return errors.New("no groups")
	}
	seen := map[string]bool{}
	for _, g := range s.Groups {
		switch {
		case g.Name == "" || seen[g.Name]:
			return fmt.Errorf("group name %q is empty or repeated", g.Name)
		case g.Kind != KindASG && g.Kind != KindEKSManaged && g.Kind != KindKops:
			return fmt.Errorf("group %s: kind %q is not asg, eks-managed or kops", g.Name, g.Kind)
		case len(g.Zones) == 0:
			return fmt.Errorf("group %s: no zones", g.Name)
		case g.Size < 0 || g.MaxSize < g.Size:
			return fmt.Errorf("group %s: size %d must be between 0 and maxSize %d", g.Name, g.Size, g.MaxSize)
		}
		for _, z := range g.Zones {
			if !strings.HasPrefix(z, s.Region) {
				return fmt.Errorf("group %s: zone %s is not in region %s", g.Name, z, s.Region)
			}
		}
		seen[g.Name] = true
	}
	return nil
}

// Nodes is the number of nodes the scenario starts with.
func (s *Scenario) Nodes() int {
	n := 0
	for _, g := range s.Groups {
		n += g.Size
	}
	return n
}
