package cluster

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Network ranges of the sandbox cluster.
const (
	// ServiceCIDR is the range of Service cluster IPs.
	ServiceCIDR = "10.96.0.0/16"
	// ClusterCIDR is the range the controller manager cuts node pod CIDRs from.
	ClusterCIDR = "10.244.0.0/16"
	// serviceIP is the first address of ServiceCIDR: the kubernetes Service.
	serviceIP = "10.96.0.1"
)

// KwokNodeAnnotation marks the nodes that kwok plays the kubelet for.
// Nodes without it are left alone.
const KwokNodeAnnotation = "kwok.x-k8s.io/node"

// KwokNodeAnnotationValue is the value KwokNodeAnnotation must have.
const KwokNodeAnnotationValue = "fake"

// stageFiles are the kwok Stage definitions: node initialisation, node
// heartbeats (with leases), and the pod lifecycle (ready, complete for Jobs,
// deletion after the grace period).
//
//go:embed stages/*.yaml
var stageFiles embed.FS

// writeKwokConfig concatenates the embedded stages into one kwok
// configuration file.
func writeKwokConfig(path string) error {
	names, err := fs.Glob(stageFiles, "stages/*.yaml")
	if err != nil {
		return fmt.Errorf("list kwok stages: %w", err)
	}
	sort.Strings(names)
	var docs []string
	for _, name := range names {
		data, err := stageFiles.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read kwok stage %s: %w", name, err)
		}
		docs = append(docs, strings.TrimSpace(string(data)))
	}
	if err := os.WriteFile(path, []byte(strings.Join(docs, "\n---\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("write kwok configuration: %w", err)
	}
	return nil
}

// componentConfig is what the components of one start share: the PKI, the
// addresses, and the paths of the generated configuration files.
type componentConfig struct {
	pki                  *pki
	etcdURL              string
	apiserverPort        int
	controllerKubeconfig string
	schedulerKubeconfig  string
	kwokKubeconfig       string
	kwokConfig           string
	auditPolicy          string
	auditLog             string
}

// auditPolicy records who deleted and who evicted pods, so that tests can tell evictions
// from deletions, and every request of RotatorUser, so that tests can tell which verbs it
// used and whether any was forbidden; everything else goes unrecorded.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: [` + RotatorUser + `]
  - level: Metadata
    verbs: [delete, deletecollection]
    resources: [{group: "", resources: [pods]}]
  - level: Metadata
    verbs: [create]
    resources: [{group: "", resources: [pods/eviction]}]
  - level: None
`

func writeAuditPolicy(path string) error {
	if err := os.WriteFile(path, []byte(auditPolicy), 0o600); err != nil {
		return fmt.Errorf("write audit policy: %w", err)
	}
	return nil
}

func apiserverArgs(r componentConfig, certDir string) []string {
	return []string{
		"--etcd-servers=" + r.etcdURL,
		"--secure-port=" + strconv.Itoa(r.apiserverPort),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		// A loopback address is not valid in Endpoints: without this the
		// reconciler of the kubernetes Service logs an error every 10s.
		"--endpoint-reconciler-type=none",
		"--cert-dir=" + certDir,
		"--tls-cert-file=" + r.pki.servingCert,
		"--tls-private-key-file=" + r.pki.servingK,
		"--client-ca-file=" + r.pki.caCert,
		"--service-account-key-file=" + r.pki.saPub,
		"--service-account-signing-key-file=" + r.pki.saKey,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--token-auth-file=" + r.pki.tokenFile,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=" + ServiceCIDR,
		"--allow-privileged=true",
		"--profiling=false",
		"--audit-policy-file=" + r.auditPolicy,
		"--audit-log-path=" + r.auditLog,
		"--audit-log-mode=blocking",
	}
}

func controllerManagerArgs(r componentConfig) []string {
	return []string{
		"--kubeconfig=" + r.controllerKubeconfig,
		"--authentication-kubeconfig=" + r.controllerKubeconfig,
		"--authorization-kubeconfig=" + r.controllerKubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--service-account-private-key-file=" + r.pki.saKey,
		"--root-ca-file=" + r.pki.caCert,
		"--cluster-signing-cert-file=" + r.pki.caCert,
		"--cluster-signing-key-file=" + r.pki.caKey,
		"--cluster-name=" + ContextName,
		"--allocate-node-cidrs=true",
		"--cluster-cidr=" + ClusterCIDR,
		"--service-cluster-ip-range=" + ServiceCIDR,
		"--node-cidr-mask-size=24",
		"--profiling=false",
	}
}

func schedulerArgs(r componentConfig) []string {
	return []string{
		"--kubeconfig=" + r.schedulerKubeconfig,
		"--authentication-kubeconfig=" + r.schedulerKubeconfig,
		"--authorization-kubeconfig=" + r.schedulerKubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--profiling=false",
	}
}

func kwokArgs(r componentConfig) []string {
	return []string{
		"--kubeconfig=" + r.kwokKubeconfig,
		"--config=" + r.kwokConfig,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + KwokNodeAnnotation + "=" + KwokNodeAnnotationValue,
		"--node-lease-duration-seconds=40",
	}
}
