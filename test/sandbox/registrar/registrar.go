// Package registrar plays the kubelet of each simulated EC2 instance: a running instance
// registers as a Node (which kwok then keeps Ready), and a node whose instance shut down
// leaves the cluster. It is level-triggered: every instance event, and a periodic resync,
// compares the instances with the nodes and mends the difference.
package registrar

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-rotate/kubectl-rotate/test/awssim"
	"github.com/kubectl-rotate/kubectl-rotate/test/sandbox/cluster"
)

// NodeLabelTagPrefix marks Auto Scaling group tags that become labels of the group's nodes,
// the convention cluster-autoscaler, kops and EKS use.
const NodeLabelTagPrefix = "k8s.io/cluster-autoscaler/node-template/label/"

// DefaultResync is how often the registrar compares instances and nodes without an event.
const DefaultResync = 2 * time.Second

// Registrar keeps the cluster's simulated nodes in step with the cloud's instances.
type Registrar struct {
	Cloud  *awssim.Cloud
	Client kubernetes.Interface
	// KubeletVersion is what registered nodes report, e.g. v1.36.4.
	KubeletVersion string
	// OSImage is what registered nodes report; empty means the cluster package's default.
	OSImage string
	// Resync defaults to DefaultResync.
	Resync time.Duration
	// Logf reports nodes added and removed; nil discards.
	Logf func(format string, args ...any)
}

// Run syncs on every instance event and every resync period until ctx ends.
func (r *Registrar) Run(ctx context.Context) error {
	events, cancel := r.Cloud.Subscribe(awssim.DefaultEventBuffer)
	defer cancel()
	resync := r.Resync
	if resync <= 0 {
		resync = DefaultResync
	}
	tick := time.NewTicker(resync)
	defer tick.Stop()
	for {
		if err := r.Sync(ctx); err != nil && ctx.Err() == nil {
			r.logf("registrar: %v", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-events:
		case <-tick.C:
		}
	}
}

// Sync registers a node for every running instance that has none and deletes the nodes of
// instances that are no longer running.
func (r *Registrar) Sync(ctx context.Context) error {
	nodes, err := r.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	byInstance := map[string]string{}
	for _, n := range nodes.Items {
		if n.Annotations[cluster.KwokNodeAnnotation] != cluster.KwokNodeAnnotationValue {
			continue
		}
		if i := strings.LastIndex(n.Spec.ProviderID, "/"); i >= 0 {
			byInstance[n.Spec.ProviderID[i+1:]] = n.Name
		}
	}
	running := map[string]bool{}
	for _, inst := range r.Cloud.Instances() {
		if inst.State != awssim.StateRunning {
			continue
		}
		running[inst.ID] = true
		if _, ok := byInstance[inst.ID]; ok {
			continue
		}
		node := cluster.NewNode(r.nodeSpec(inst))
		if _, err := r.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("register node of %s: %w", inst.ID, err)
		}
		r.logf("node %s registered for instance %s (%s, %s)", node.Name, inst.ID, inst.Zone, inst.ImageID)
	}
	for id, name := range byInstance {
		if running[id] {
			continue
		}
		err := r.Client.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("remove node %s of instance %s: %w", name, id, err)
		}
		r.logf("node %s removed: instance %s is gone", name, id)
	}
	return nil
}

// nodeSpec describes the node a kubelet on inst would register: named after its private DNS
// name, labelled from its group's node-template tags.
func (r *Registrar) nodeSpec(inst awssim.Instance) cluster.NodeSpec {
	labels := map[string]string{}
	if g, ok := r.Cloud.AutoScalingGroup(inst.AutoScalingGroup); ok {
		for k, v := range g.Tags {
			if key, ok := strings.CutPrefix(k, NodeLabelTagPrefix); ok {
				labels[key] = v
			}
		}
	}
	arch := "amd64"
	if inst.Architecture == "arm64" {
		arch = "arm64"
	}
	return cluster.NodeSpec{
		Name:           strings.TrimSuffix(inst.PrivateDNSName, "."),
		InstanceID:     inst.ID,
		Zone:           inst.Zone,
		PrivateIP:      inst.PrivateIP,
		InstanceType:   inst.InstanceType,
		Arch:           arch,
		KubeletVersion: r.KubeletVersion,
		OSImage:        r.OSImage,
		Labels:         labels,
	}
}

func (r *Registrar) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}
