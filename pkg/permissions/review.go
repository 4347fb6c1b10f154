package permissions

import (
	"context"
	"fmt"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	authorizationclient "k8s.io/client-go/kubernetes/typed/authorization/v1"
)

// KubernetesResult is the API server's answer for one rule.
type KubernetesResult struct {
	Rule    KubernetesRule
	Allowed bool
	// Reason is the authorizer's explanation, when it gave one.
	Reason string
}

// ReviewKubernetes asks the API server, with one SelfSubjectAccessReview per rule, whether the
// current identity holds each rule. It fails only when a review cannot be made.
func ReviewKubernetes(ctx context.Context, client authorizationclient.SelfSubjectAccessReviewsGetter, rules []KubernetesRule) ([]KubernetesResult, error) {
	results := make([]KubernetesResult, 0, len(rules))
	for _, rule := range rules {
		resource, subresource, _ := strings.Cut(rule.Resource, "/")
		review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace:   rule.Namespace,
				Verb:        rule.Verb,
				Group:       rule.Group,
				Resource:    resource,
				Subresource: subresource,
				Name:        rule.Name,
			},
		}}
		answer, err := client.SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
		if err != nil {
			return nil, fmt.Errorf("ask the API server whether this identity may %s: %w", rule, err)
		}
		reason := answer.Status.Reason
		if answer.Status.EvaluationError != "" && reason == "" {
			reason = answer.Status.EvaluationError
		}
		results = append(results, KubernetesResult{Rule: rule, Allowed: answer.Status.Allowed, Reason: reason})
	}
	return results, nil
}

// MissingKubernetesError is the set of Kubernetes permissions the current identity lacks.
type MissingKubernetesError struct {
	// Missing are the denied rules, in the order of Kubernetes().
	Missing []KubernetesRule
	// Asked is how many rules were asked about.
	Asked int
}

// namedMissing is how many missing rules the message names before it counts the rest.
const namedMissing = 4

func (e *MissingKubernetesError) Error() string {
	const fix = "apply deploy/rbac.yaml and bind this identity to it (kubectl rotate check lists every permission)"
	if len(e.Missing) == e.Asked && e.Asked > namedMissing {
		return fmt.Sprintf("kubectl rotate holds none of the %d Kubernetes permissions a rotation needs; %s", e.Asked, fix)
	}
	names := make([]string, 0, namedMissing+1)
	for i, r := range e.Missing {
		if i == namedMissing && len(e.Missing) > namedMissing+1 {
			names = append(names, fmt.Sprintf("%d more", len(e.Missing)-namedMissing))
			break
		}
		names = append(names, r.String())
	}
	return fmt.Sprintf("kubectl rotate is not allowed to %s; %s", strings.Join(names, ", "), fix)
}

// RequireKubernetes returns a *MissingKubernetesError naming every rule the identity lacks, nil
// when it holds them all.
func RequireKubernetes(ctx context.Context, client authorizationclient.SelfSubjectAccessReviewsGetter, rules []KubernetesRule) error {
	results, err := ReviewKubernetes(ctx, client, rules)
	if err != nil {
		return err
	}
	var missing []KubernetesRule
	for _, r := range results {
		if !r.Allowed {
			missing = append(missing, r.Rule)
		}
	}
	if len(missing) > 0 {
		return &MissingKubernetesError{Missing: missing, Asked: len(rules)}
	}
	return nil
}

// Needed returns the rules a rotation needs: every Always rule, and the Force rules when the
// drain may delete pods.
func Needed(force bool) []KubernetesRule {
	var rules []KubernetesRule
	for _, r := range Kubernetes() {
		if r.Need == Always || (force && r.Need == Force) {
			rules = append(rules, r)
		}
	}
	return rules
}
