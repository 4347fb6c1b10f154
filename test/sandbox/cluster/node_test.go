package cluster

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestNewNode(t *testing.T) {
	n := NewNode(NodeSpec{InstanceID: "i-0123456789abcdef0", Zone: "us-west-2b", PrivateIP: "10.0.2.7", Arch: "arm64", InstanceType: "m7g.xlarge"})
	checks := []struct {
		name, got, want string
	}{
		{name: "name", got: n.Name, want: "ip-10-0-2-7.ec2.internal"},
		{name: "providerID", got: n.Spec.ProviderID, want: "aws:///us-west-2b/i-0123456789abcdef0"},
		{name: "kwok annotation", got: n.Annotations[KwokNodeAnnotation], want: KwokNodeAnnotationValue},
		{name: "zone", got: n.Labels["topology.kubernetes.io/zone"], want: "us-west-2b"},
		{name: "region", got: n.Labels["topology.kubernetes.io/region"], want: "us-west-2"},
		{name: "zone id", got: n.Labels["topology.k8s.aws/zone-id"], want: "usw2-az2"},
		{name: "instance type", got: n.Labels["node.kubernetes.io/instance-type"], want: "m7g.xlarge"},
		{name: "arch", got: n.Labels["kubernetes.io/arch"], want: "arm64"},
		{name: "node info arch", got: n.Status.NodeInfo.Architecture, want: "arm64"},
		{name: "cpu", got: n.Status.Capacity.Cpu().String(), want: "4"},
		{name: "internal IP", got: n.Status.Addresses[0].Address, want: "10.0.2.7"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if n.Status.Addresses[0].Type != corev1.NodeInternalIP {
		t.Errorf("first address type = %s, want InternalIP", n.Status.Addresses[0].Type)
	}
}

func TestDemoNodes(t *testing.T) {
	specs := DemoNodes(4)
	tests := []struct {
		name                   string
		index                  int
		instanceID, zone, addr string
	}{
		{name: "first", index: 0, instanceID: "i-0123456789abcdef0", zone: "us-east-1a", addr: "10.0.1.10"},
		{name: "second", index: 1, instanceID: "i-0123456789abcdef1", zone: "us-east-1b", addr: "10.0.2.11"},
		{name: "wraps zones", index: 3, instanceID: "i-0123456789abcdef3", zone: "us-east-1a", addr: "10.0.1.13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := specs[tt.index]
			if s.InstanceID != tt.instanceID || s.Zone != tt.zone || s.PrivateIP != tt.addr {
				t.Errorf("DemoNodes(4)[%d] = %+v, want %s in %s at %s", tt.index, s, tt.instanceID, tt.zone, tt.addr)
			}
		})
	}
}

func TestZoneID(t *testing.T) {
	tests := []struct {
		name, zone, want string
	}{
		{name: "us-east-1a", zone: "us-east-1a", want: "use1-az1"},
		{name: "eu-central-1b", zone: "eu-central-1b", want: "euc1-az2"},
		{name: "ap-southeast-2c", zone: "ap-southeast-2c", want: "apse2-az3"},
		{name: "not a zone", zone: "local", want: "local"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := zoneID(tt.zone); got != tt.want {
				t.Errorf("zoneID(%q) = %q, want %q", tt.zone, got, tt.want)
			}
		})
	}
}
