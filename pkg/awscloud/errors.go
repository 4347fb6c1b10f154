package awscloud

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// Error is an AWS failure restated as one sentence a user can act on. The original error
// stays wrapped, so errors.As still finds the smithy.APIError beneath it.
type Error struct {
	// Message is the sentence shown to the user.
	Message string
	// Err is the error AWS or the SDK returned.
	Err error
}

// Error returns the sentence for the user.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the original error.
func (e *Error) Unwrap() error { return e.Err }

// Explain turns the well-known AWS authorization and credential error codes into one clear
// sentence naming what to do, keeping err wrapped. Other errors come back unchanged.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var done *Error
	if errors.As(err, &done) {
		return err
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	var msg string
	if isAccessDenied(apiErr.ErrorCode()) {
		msg = explainAccessDenied(actionOf(err, apiErr.ErrorMessage()), strings.Contains(apiErr.ErrorMessage(), "explicit deny"))
	} else {
		msg = explainCode(apiErr.ErrorCode(), "")
	}
	if msg == "" {
		return err
	}
	return &Error{Message: msg, Err: err}
}

// isAccessDenied reports whether code is how a service refuses an action the identity's
// policies do not allow: EC2's UnauthorizedOperation (which also answers a DryRun without the
// permission; a DryRun with it answers DryRunOperation, which is not a refusal), the query
// API's AccessDenied and the JSON APIs' AccessDeniedException.
func isAccessDenied(code string) bool {
	switch code {
	case "UnauthorizedOperation", "AccessDenied", "AccessDeniedException":
		return true
	}
	return false
}

// isToolService reports whether deploy/iam-policy.json grants actions of service.
func isToolService(service string) bool {
	switch service {
	case "ec2", "autoscaling", "eks", "ssm":
		return true
	}
	return false
}

// explainAccessDenied is the sentence for a refused action: which one, and how to grant it.
// explicit is true when AWS said a Deny statement refused it, which no grant overrides.
func explainAccessDenied(action string, explicit bool) string {
	name := action
	if name == "" {
		name = "this AWS action"
	}
	service, _, _ := strings.Cut(action, ":")
	if explicit {
		return fmt.Sprintf("the AWS identity in use is not allowed to call %s: an explicit Deny refuses it (in its IAM policies, a permissions boundary or an organization's service control policy); lift that Deny for %s or choose another identity with --profile", name, name)
	}
	if action != "" && !isToolService(service) {
		return fmt.Sprintf("the AWS identity in use is not allowed to call %s; grant %s in its IAM policy or choose another identity with --profile", name, name)
	}
	return fmt.Sprintf("the AWS identity in use is not allowed to call %s; grant it in its IAM policy (deploy/iam-policy.json lists every action kubectl rotate calls, and kubectl rotate check verifies them)", name)
}

// explainCode is the sentence for one AWS error code, or "" when the code is not one a user
// can act on. action names the IAM action that failed, for the access-denied codes.
func explainCode(code, action string) string {
	if isAccessDenied(code) {
		return explainAccessDenied(action, false)
	}
	switch code {
	case "ExpiredToken", "ExpiredTokenException":
		return `the AWS session credentials have expired; refresh them (for an SSO profile run "aws sso login") and try again`
	case "RequestExpired":
		return `AWS rejected the request as expired, which means the session credentials have expired (refresh them, for SSO run "aws sso login") or this machine's clock is more than 15 minutes off (sync it)`
	case "InvalidClientTokenId", "UnrecognizedClientException":
		return `AWS does not recognise the access key in use; check AWS_ACCESS_KEY_ID or the profile's credentials, or run "aws sso login" again`
	case "AuthFailure":
		return "AWS could not validate the credentials in use; check that the access key, secret key and session token belong together and are still valid, or choose another identity with --profile"
	case "SignatureDoesNotMatch":
		return "AWS rejected the request signature; check that the secret access key belongs to the access key in use and that this machine's clock is correct"
	}
	return ""
}

// actionOf names the IAM action of the failed operation, such as "ec2:DescribeInstances": from
// the SDK's operation error, or else from AWS's own message ("... is not authorized to
// perform: autoscaling:UpdateAutoScalingGroup ...").
func actionOf(err error, message string) string {
	var opErr *smithy.OperationError
	if errors.As(err, &opErr) && opErr.OperationName != "" {
		prefix := strings.ToLower(strings.ReplaceAll(opErr.ServiceID, " ", ""))
		if prefix == "" {
			return opErr.OperationName
		}
		return prefix + ":" + opErr.OperationName
	}
	if _, rest, ok := strings.Cut(message, "not authorized to perform: "); ok {
		action, _, _ := strings.Cut(rest, " ")
		if strings.Contains(action, ":") {
			return action
		}
	}
	return ""
}

// errorCode is the AWS error code carried by err, or "".
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// wrap adds context to err and explains it when a user can act on it.
func wrap(err error, format string, args ...any) error {
	return Explain(fmt.Errorf(format+": %w", append(args, err)...))
}
