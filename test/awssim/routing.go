package awssim

import (
	"mime"
	"net/http"
	"strings"
)

// credentialScope is the scope of a SigV4 credential:
// AKID/20261121/us-east-1/ec2/aws4_request.
type credentialScope struct {
	accessKeyID string
	date        string
	region      string
	service     string
}

// signingScope reads the credential scope of a signed request, from the
// Authorization header or from a presigned URL. It returns an AWS error when
// the request is not signed or the signature is incomplete. AWS would also
// verify the signature itself; the simulator trusts it.
func signingScope(r *http.Request) (credentialScope, *apiError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		q := r.URL.Query()
		if cred := q.Get("X-Amz-Credential"); cred != "" {
			if q.Get("X-Amz-Signature") == "" {
				return credentialScope{}, errIncompleteSignature("the presigned URL has no X-Amz-Signature")
			}
			return parseCredential(cred)
		}
		return credentialScope{}, errMissingAuthenticationToken()
	}
	algorithm, params, _ := strings.Cut(auth, " ")
	if algorithm != "AWS4-HMAC-SHA256" && algorithm != "AWS4-ECDSA-P256-SHA256" {
		return credentialScope{}, errIncompleteSignature("unsupported algorithm " + algorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(params, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = v
		}
	}
	for _, required := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[required] == "" {
			return credentialScope{}, errIncompleteSignature("Authorization header requires '" + required + "' parameter")
		}
	}
	if r.Header.Get("X-Amz-Date") == "" && r.Header.Get("Date") == "" {
		return credentialScope{}, errIncompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header")
	}
	return parseCredential(fields["Credential"])
}

// parseCredential splits AKID/date/region/service/aws4_request.
func parseCredential(cred string) (credentialScope, *apiError) {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" || parts[3] == "" {
		return credentialScope{}, errIncompleteSignature("credential '" + cred + "' is not of the form <key>/<date>/<region>/<service>/aws4_request")
	}
	return credentialScope{accessKeyID: parts[0], date: parts[1], region: parts[2], service: parts[3]}, nil
}

// guessService names the service a request is for from its shape alone, for
// requests whose signature does not say: the X-Amz-Target of JSON 1.1, the
// /clusters paths of EKS, or the Version of a query protocol request.
func guessService(r *http.Request) string {
	if target := r.Header.Get("X-Amz-Target"); strings.HasPrefix(target, "AmazonSSM.") {
		return "ssm"
	}
	if r.URL.Path == "/clusters" || strings.HasPrefix(r.URL.Path, "/clusters/") {
		return "eks"
	}
	version := r.URL.Query().Get("Version")
	if version == "" && r.Method == http.MethodPost {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
			if err := r.ParseForm(); err == nil {
				version = r.PostForm.Get("Version")
			}
		}
	}
	switch version {
	case ec2APIVersion:
		return "ec2"
	case autoscalingAPIVersion:
		return "autoscaling"
	case stsAPIVersion:
		return "sts"
	}
	return ""
}
