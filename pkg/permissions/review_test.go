package permissions

import (
	"context"
	"errors"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// authorizerDenying answers SelfSubjectAccessReviews, denying the listed "verb resource" pairs.
func authorizerDenying(denied ...string) *fake.Clientset {
	client := fake.NewClientset()
	client.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		review := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		attrs := review.Spec.ResourceAttributes
		resource := attrs.Resource
		if attrs.Subresource != "" {
			resource += "/" + attrs.Subresource
		}
		review.Status.Allowed = true
		for _, d := range denied {
			if d == attrs.Verb+" "+resource {
				review.Status.Allowed = false
				review.Status.Reason = "no RBAC policy matched"
			}
		}
		return true, review, nil
	})
	return client
}

func TestRequireKubernetes(t *testing.T) {
	tests := []struct {
		name    string
		denied  []string
		force   bool
		wantErr string
	}{
		{name: "everything granted"},
		{name: "force rules not asked without force", denied: []string{"delete pods"}},
		{name: "missing eviction", denied: []string{"create pods/eviction"}, wantErr: "not allowed to create pods/eviction; apply deploy/rbac.yaml"},
		{name: "missing two, named in order", denied: []string{"patch nodes", "update leases"}, wantErr: "not allowed to patch nodes, update leases.coordination.k8s.io kubectl-rotate in kube-system;"},
		{name: "force asks for pod deletion", denied: []string{"delete pods"}, force: true, wantErr: "not allowed to delete pods;"},
		{
			name:    "many missing are counted after the first four",
			denied:  []string{"list nodes", "watch nodes", "patch nodes", "delete nodes", "get pods", "list pods"},
			wantErr: "not allowed to list nodes, watch nodes, patch nodes, delete nodes, 2 more; apply deploy/rbac.yaml",
		},
		{
			name:    "none held",
			denied:  []string{"list nodes", "watch nodes", "patch nodes", "delete nodes", "get pods", "list pods", "watch pods", "create pods/eviction", "list poddisruptionbudgets", "get daemonsets", "create leases", "get leases", "update leases", "delete leases"},
			wantErr: "holds none of the 14 Kubernetes permissions a rotation needs; apply deploy/rbac.yaml",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := authorizerDenying(tt.denied...)
			err := RequireKubernetes(context.Background(), client.AuthorizationV1(), Needed(tt.force))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var missing *MissingKubernetesError
			if !errors.As(err, &missing) {
				t.Fatalf("error %v, want a MissingKubernetesError", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestReviewKubernetesAsksWithNamespaceAndName(t *testing.T) {
	client := fake.NewClientset()
	var asked []authorizationv1.ResourceAttributes
	client.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		review := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		asked = append(asked, *review.Spec.ResourceAttributes)
		review.Status.Allowed = true
		return true, review, nil
	})
	rule := KubernetesRule{Group: "coordination.k8s.io", Resource: "leases", Verb: "update", Namespace: "kube-system", Name: "kubectl-rotate"}
	if _, err := ReviewKubernetes(context.Background(), client.AuthorizationV1(), []KubernetesRule{rule}); err != nil {
		t.Fatal(err)
	}
	want := authorizationv1.ResourceAttributes{Namespace: "kube-system", Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Name: "kubectl-rotate"}
	if len(asked) != 1 || asked[0] != want {
		t.Errorf("asked %+v, want %+v", asked, want)
	}
}

func TestReviewKubernetesFailsWhenItCannotAsk(t *testing.T) {
	client := fake.NewClientset()
	client.PrependReactor("create", "selfsubjectaccessreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	_, err := ReviewKubernetes(context.Background(), client.AuthorizationV1(), Needed(false))
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %v, want the cause", err)
	}
}
