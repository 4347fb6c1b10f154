package awssim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
)

// Policy is an IAM identity-based policy document reduced to what decides
// whether an action may be called: its statements' Effect and Action or
// NotAction. Action names match as IAM matches them: case-insensitively,
// with "*" standing for any run of characters and "?" for one character.
// An explicit Deny wins over any Allow; an action no statement allows is
// denied.
//
// Resource, NotResource and Condition are parsed but not evaluated: every
// statement applies to every resource and its conditions are taken to hold.
// A policy that narrows an action to some resources or tag keys therefore
// allows that action everywhere here.
type Policy struct {
	statements []policyStatement
}

// policyStatement is one statement of a Policy.
type policyStatement struct {
	deny bool
	// not is true for NotAction: the statement applies to every action
	// that matches none of patterns.
	not      bool
	patterns []string // lower case
}

// ParsePolicy parses an IAM policy document, refusing what IAM refuses as a
// malformed identity-based policy: an unknown Version, an Effect other than
// Allow or Deny, a statement with both or neither of Action and NotAction,
// an action not of the form "service:Action" (or "*"), and a Principal.
func ParsePolicy(doc []byte) (*Policy, error) {
	var raw struct {
		Version   string
		ID        string `json:"Id"`
		Statement json.RawMessage
	}
	if err := decodeStrict(doc, &raw); err != nil {
		return nil, fmt.Errorf("awssim: policy document: %w", err)
	}
	switch raw.Version {
	case "", "2012-10-17", "2008-10-17":
	default:
		return nil, fmt.Errorf("awssim: policy document: Version %q is not 2012-10-17 or 2008-10-17", raw.Version)
	}
	var statements []rawStatement
	trimmed := bytes.TrimSpace(raw.Statement)
	switch {
	case len(trimmed) == 0:
		return nil, errors.New("awssim: policy document has no Statement")
	case trimmed[0] == '{':
		var one rawStatement
		if err := decodeStrict(trimmed, &one); err != nil {
			return nil, fmt.Errorf("awssim: policy statement: %w", err)
		}
		statements = []rawStatement{one}
	default:
		var list []json.RawMessage
		if err := json.Unmarshal(trimmed, &list); err != nil {
			return nil, fmt.Errorf("awssim: policy Statement is neither an object nor a list: %w", err)
		}
		for i, item := range list {
			var s rawStatement
			if err := decodeStrict(item, &s); err != nil {
				return nil, fmt.Errorf("awssim: policy statement %d: %w", i+1, err)
			}
			statements = append(statements, s)
		}
	}
	p := &Policy{}
	for i, s := range statements {
		st, err := s.compile()
		if err != nil {
			return nil, fmt.Errorf("awssim: policy statement %d (%s): %w", i+1, s.label(), err)
		}
		p.statements = append(p.statements, st)
	}
	return p, nil
}

// rawStatement is a statement as written in the document.
type rawStatement struct {
	Sid          string
	Effect       string
	Action       stringList
	NotAction    stringList
	Resource     stringList
	NotResource  stringList
	Condition    map[string]map[string]json.RawMessage
	Principal    json.RawMessage
	NotPrincipal json.RawMessage
}

func (s rawStatement) label() string {
	if s.Sid != "" {
		return "Sid " + s.Sid
	}
	return "no Sid"
}

func (s rawStatement) compile() (policyStatement, error) {
	var st policyStatement
	switch s.Effect {
	case "Allow":
	case "Deny":
		st.deny = true
	default:
		return st, fmt.Errorf("the statement's Effect %q is not Allow or Deny", s.Effect)
	}
	if s.Principal != nil || s.NotPrincipal != nil {
		return st, errors.New("an identity-based policy cannot name a Principal")
	}
	switch {
	case s.Action.set && s.NotAction.set:
		return st, errors.New("a statement has Action or NotAction, not both")
	case s.NotAction.set:
		st.not = true
		st.patterns = s.NotAction.values
	case s.Action.set:
		st.patterns = s.Action.values
	default:
		return st, errors.New("a statement needs Action or NotAction")
	}
	if len(st.patterns) == 0 {
		return st, errors.New("the action list is empty")
	}
	for i, p := range st.patterns {
		if p != "*" {
			service, name, ok := strings.Cut(p, ":")
			if !ok || service == "" || name == "" || strings.ContainsAny(service, "*?") {
				return st, fmt.Errorf("action %q is not of the form service:Action", p)
			}
		}
		st.patterns[i] = strings.ToLower(p)
	}
	return st, nil
}

// stringList is a policy element written as one string or a list of them.
type stringList struct {
	set    bool
	values []string
}

// UnmarshalJSON accepts "x" and ["x", "y"].
func (l *stringList) UnmarshalJSON(data []byte) error {
	l.set = true
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		l.values = []string{one}
		return nil
	}
	if err := json.Unmarshal(data, &l.values); err != nil {
		return errors.New("expected a string or a list of strings")
	}
	return nil
}

// decodeStrict decodes one JSON value into v, refusing unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Allows reports whether the policy allows action, e.g. "ec2:DescribeInstances".
func (p *Policy) Allows(action string) bool {
	allowed, _ := p.decide(action)
	return allowed
}

// decide evaluates the policy for action: whether it is allowed, and when it
// is not, whether a Deny statement refused it (rather than no Allow).
func (p *Policy) decide(action string) (allowed, explicitDeny bool) {
	action = strings.ToLower(action)
	for _, st := range p.statements {
		if !st.applies(action) {
			continue
		}
		if st.deny {
			return false, true
		}
		allowed = true
	}
	return allowed, false
}

// applies reports whether the statement covers action (lower case).
func (st policyStatement) applies(action string) bool {
	matched := false
	for _, pattern := range st.patterns {
		if matchWildcard(pattern, action) {
			matched = true
			break
		}
	}
	return matched != st.not
}

// matchWildcard matches s against an IAM pattern in which "*" is any run of
// characters and "?" one character.
func matchWildcard(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// accessControl is the policy a Server enforces and the calls it refused.
type accessControl struct {
	policy  *Policy
	refused map[string]int
}

// SetPolicy makes the server refuse every call that the IAM policy document
// doc does not allow (see Policy for what is evaluated), answering as each
// service answers an identity without the permission: EC2 with
// UnauthorizedOperation (HTTP 403), Auto Scaling with AccessDenied (403), EKS
// with AccessDeniedException (403) and SSM with AccessDeniedException (400).
// The check comes before injected faults and throttling, and before EC2's
// DryRun, so a dry run of a refused action answers UnauthorizedOperation. An
// empty doc removes the policy: every call is allowed again, as when no
// policy was ever set.
func (s *Server) SetPolicy(doc []byte) error {
	var p *Policy
	if len(bytes.TrimSpace(doc)) > 0 {
		var err error
		if p, err = ParsePolicy(doc); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access.policy = p
	return nil
}

// Refused returns how many calls of each operation, keyed as in Calls, the
// policy refused. Refused calls are counted in Calls too.
func (s *Server) Refused() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.access.refused)
}

// authorize checks a call of op on service against the policy. A refused
// call is counted and answered with the service's access-denied error.
func (s *Server) authorize(service, op string, scope credentialScope, r *http.Request) *apiError {
	action := service + ":" + op
	s.mu.Lock()
	defer s.mu.Unlock()
	// GetCallerIdentity needs no permission, and no policy can deny it.
	if s.access.policy == nil || action == "sts:GetCallerIdentity" {
		return nil
	}
	allowed, explicit := s.access.policy.decide(action)
	if allowed {
		return nil
	}
	s.calls[action]++
	if s.access.refused == nil {
		s.access.refused = map[string]int{}
	}
	s.access.refused[action]++
	return s.accessDenied(service, op, scope, r, explicit)
}

// accessDenied is the error each service answers a refused call with.
func (s *Server) accessDenied(service, op string, scope credentialScope, r *http.Request, explicit bool) *apiError {
	action := service + ":" + op
	principal := fmt.Sprintf("arn:aws:sts::%s:assumed-role/awssim/%s", s.cloud.AccountID(), scope.accessKeyID)
	why := "because no identity-based policy allows the " + action + " action"
	if explicit {
		why = "with an explicit deny in an identity-based policy"
	}
	region, account := s.cloud.Region(), s.cloud.AccountID()
	switch service {
	case "ec2":
		msg := fmt.Sprintf("You are not authorized to perform this operation. User: %s is not authorized to perform: %s %s.", principal, action, why)
		// EC2 adds an encoded authorization message (for sts:DecodeAuthorizationMessage)
		// to refusals of actions that act on resources, not to describe calls.
		if !strings.HasPrefix(op, "Describe") {
			msg = strings.TrimSuffix(msg, ".") + ". Encoded authorization failure message: " + encodedAuthorization(principal, action, explicit)
		}
		return &apiError{status: http.StatusForbidden, code: "UnauthorizedOperation", message: msg}
	case "autoscaling":
		return &apiError{status: http.StatusForbidden, code: "AccessDenied",
			message: fmt.Sprintf("User: %s is not authorized to perform: %s %s", principal, action, why)}
	case "eks":
		resource := fmt.Sprintf("arn:aws:eks:%s:%s:cluster/*", region, account)
		if route, ok := parseEKSPath(r.Method, r.URL.EscapedPath()); ok && route.cluster != "" {
			resource = fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", region, account, route.cluster)
			if route.nodegroup != "" {
				resource = fmt.Sprintf("arn:aws:eks:%s:%s:nodegroup/%s/%s/*", region, account, route.cluster, route.nodegroup)
			}
		}
		return &apiError{status: http.StatusForbidden, code: "AccessDeniedException",
			message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", principal, action, resource, why)}
	default: // ssm, and any JSON 1.1 service
		return &apiError{status: http.StatusBadRequest, code: "AccessDeniedException",
			message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: arn:aws:%s:%s:%s:* %s", principal, action, service, region, account, why)}
	}
}

// encodedAuthorization is the opaque message EC2 appends to a refusal. AWS
// encrypts it; the simulator only encodes the same facts.
func encodedAuthorization(principal, action string, explicit bool) string {
	doc, _ := json.Marshal(map[string]any{
		"allowed":      false,
		"explicitDeny": explicit,
		"context":      map[string]any{"principal": map[string]string{"arn": principal}, "action": action},
	})
	return base64.RawURLEncoding.EncodeToString(doc)
}
