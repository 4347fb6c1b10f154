package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// NodeSpec describes a node backed by a (simulated) EC2 instance. Only
// InstanceID, Zone and PrivateIP are required; the rest has EKS-like defaults.
type NodeSpec struct {
	// Name defaults to the EC2 private DNS name, ip-10-0-1-23.ec2.internal.
	Name string
	// InstanceID is the EC2 instance, i-0123456789abcdef0.
	InstanceID string
	// Zone is the availability zone, us-east-1a. The region is the zone
	// without its last letter.
	Zone string
	// PrivateIP is the node's InternalIP.
	PrivateIP string
	// InstanceType defaults to m5.large; it also sets the default capacity.
	InstanceType string
	// Arch is amd64 (default) or arm64.
	Arch string
	// KubeletVersion defaults to the cluster's version when created through
	// Cluster.AddNodes.
	KubeletVersion string
	// OSImage defaults to an Amazon Linux 2023 image name.
	OSImage string
	// Capacity overrides the capacity derived from InstanceType.
	Capacity corev1.ResourceList
	// Labels are added to the well-known ones (node group labels, say).
	Labels map[string]string
	// Taints are set on the node at registration.
	Taints []corev1.Taint
}

// ProviderID returns the node's AWS provider ID, aws:///<zone>/<instance-id>.
func (s NodeSpec) ProviderID() string {
	return "aws:///" + s.Zone + "/" + s.InstanceID
}

// NewNode returns the Node object a kubelet on the instance would register,
// with the annotation that makes kwok manage it.
func NewNode(s NodeSpec) *corev1.Node {
	if s.Name == "" {
		s.Name = "ip-" + strings.ReplaceAll(s.PrivateIP, ".", "-") + ".ec2.internal"
	}
	if s.InstanceType == "" {
		s.InstanceType = "m5.large"
	}
	if s.Arch == "" {
		s.Arch = "amd64"
	}
	if s.OSImage == "" {
		s.OSImage = "Amazon Linux 2023.9.20251208"
	}
	if s.Capacity == nil {
		s.Capacity = capacityOf(s.InstanceType)
	}
	region := s.Zone
	if len(region) > 1 {
		region = region[:len(region)-1]
	}
	labels := map[string]string{
		"kubernetes.io/hostname":           s.Name,
		"kubernetes.io/os":                 "linux",
		"kubernetes.io/arch":               s.Arch,
		"beta.kubernetes.io/os":            "linux",
		"beta.kubernetes.io/arch":          s.Arch,
		"node.kubernetes.io/instance-type": s.InstanceType,
		"beta.kubernetes.io/instance-type": s.InstanceType,
		"topology.kubernetes.io/zone":      s.Zone,
		"topology.kubernetes.io/region":    region,
		"topology.k8s.aws/zone-id":         zoneID(s.Zone),
	}
	for k, v := range s.Labels {
		labels[k] = v
	}
	addresses := []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: s.PrivateIP},
		{Type: corev1.NodeHostName, Address: s.Name},
		{Type: corev1.NodeInternalDNS, Address: s.Name},
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:   s.Name,
			Labels: labels,
			Annotations: map[string]string{
				KwokNodeAnnotation:                                       KwokNodeAnnotationValue,
				"node.alpha.kubernetes.io/ttl":                           "0",
				"volumes.kubernetes.io/controller-managed-attach-detach": "true",
			},
		},
		Spec: corev1.NodeSpec{
			ProviderID: s.ProviderID(),
			Taints:     s.Taints,
		},
		Status: corev1.NodeStatus{
			Capacity:    s.Capacity,
			Allocatable: s.Capacity,
			Addresses:   addresses,
			NodeInfo: corev1.NodeSystemInfo{
				MachineID:               machineID(s.InstanceID),
				SystemUUID:              "ec2" + strings.TrimPrefix(s.InstanceID, "i-"),
				KernelVersion:           "6.1.158-180.294.amzn2023." + kernelArch(s.Arch),
				OSImage:                 s.OSImage,
				ContainerRuntimeVersion: "containerd://1.7.27",
				KubeletVersion:          s.KubeletVersion,
				OperatingSystem:         "linux",
				Architecture:            s.Arch,
			},
		},
	}
}

// capacityOf returns the capacity of a few common instance types, with the
// EKS max-pods of the VPC CNI; others get 2 vCPU, 8 GiB and 29 pods.
func capacityOf(instanceType string) corev1.ResourceList {
	cpu, mem, pods := "2", "8Gi", "29"
	switch instanceType {
	case "t3.medium", "t4g.medium":
		cpu, mem, pods = "2", "4Gi", "17"
	case "m5.xlarge", "m6i.xlarge", "m6g.xlarge", "m7g.xlarge":
		cpu, mem, pods = "4", "16Gi", "58"
	case "m5.2xlarge", "m6i.2xlarge", "m6g.2xlarge", "m7g.2xlarge":
		cpu, mem, pods = "8", "32Gi", "58"
	case "c5.xlarge", "c6g.xlarge":
		cpu, mem, pods = "4", "8Gi", "58"
	}
	return corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(cpu),
		corev1.ResourceMemory:           resource.MustParse(mem),
		corev1.ResourcePods:             resource.MustParse(pods),
		corev1.ResourceEphemeralStorage: resource.MustParse("20Gi"),
	}
}

func kernelArch(arch string) string {
	if arch == "arm64" {
		return "aarch64"
	}
	return "x86_64"
}

// zoneID maps a zone name to a zone ID the way AWS spells them,
// us-east-1a to use1-az1, eu-central-1b to euc1-az2. (Real accounts map
// letters to IDs differently; any consistent mapping will do here.)
func zoneID(zone string) string {
	parts := strings.Split(zone, "-")
	if len(parts) != 3 || len(parts[2]) < 2 {
		return zone
	}
	direction := strings.NewReplacer("north", "n", "south", "s", "east", "e", "west", "w", "central", "c").Replace(parts[1])
	n := parts[2][:len(parts[2])-1]
	letter := parts[2][len(parts[2])-1]
	return fmt.Sprintf("%s%s%s-az%d", parts[0], direction, n, int(letter-'a')+1)
}

// DemoNodes returns n node specs spread over us-east-1a, b and c, with
// instance IDs i-0123456789abcdef0, i-0123456789abcdef1, ... and private IPs
// 10.0.<zone>.<10+i>.
func DemoNodes(n int) []NodeSpec {
	zones := []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	specs := make([]NodeSpec, n)
	for i := range specs {
		z := i % len(zones)
		specs[i] = NodeSpec{
			InstanceID: fmt.Sprintf("i-%017x", uint64(0x123456789abcdef0)+uint64(i)),
			Zone:       zones[z],
			PrivateIP:  net.IPv4(10, 0, byte(z+1), byte(10+i)).String(),
		}
	}
	return specs
}

// AddNodes registers a node for each spec (KubeletVersion defaulting to the
// cluster's version) and waits until every one is Ready and schedulable.
func (c *Cluster) AddNodes(ctx context.Context, specs ...NodeSpec) ([]*corev1.Node, error) {
	client, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	names := make([]string, 0, len(specs))
	for _, s := range specs {
		if s.KubeletVersion == "" {
			s.KubeletVersion = c.version
		}
		node := NewNode(s)
		if _, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create node %s: %w", node.Name, err)
		}
		names = append(names, node.Name)
	}
	return WaitForNodesReady(ctx, client, names...)
}

// WaitForNodesReady waits until the named nodes report Ready and carry no
// not-ready taint, polling every half second, and returns them.
func WaitForNodesReady(ctx context.Context, client kubernetes.Interface, names ...string) ([]*corev1.Node, error) {
	ticker := time.NewTicker(500 * time.Millisecond)
	defer ticker.Stop()
	for {
		nodes := make([]*corev1.Node, 0, len(names))
		var waiting string
		for _, name := range names {
			n, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				waiting = fmt.Sprintf("%s: %v", name, err)
				break
			}
			if !nodeReady(n) {
				waiting = name + " is not ready"
				break
			}
			nodes = append(nodes, n)
		}
		if waiting == "" {
			return nodes, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for nodes (%s): %w", waiting, ctx.Err())
		case <-ticker.C:
		}
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeNotReady {
			return false
		}
	}
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// machineID derives a stable 32-hex-digit machine ID from the instance ID, as
// /etc/machine-id holds. It always contains letters, so that templated kwok stages
// never read it as a number.
func machineID(instanceID string) string {
	sum := sha256.Sum256([]byte(instanceID))
	return "ec2" + hex.EncodeToString(sum[:])[:29]
}
