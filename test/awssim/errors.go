package awssim

import (
	"errors"
	"fmt"
	"net/http"
)

// apiError is an error as AWS reports it: an error code that the SDK surfaces
// through smithy.APIError, a message, the HTTP status, and for JSON protocols
// any extra members of the modeled exception (EKS sends clusterName...).
type apiError struct {
	status  int
	code    string
	message string
	fields  map[string]string
}

// Error returns the code and the message.
func (e *apiError) Error() string { return e.code + ": " + e.message }

// clientError returns a 400 error with the given code.
func clientError(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// asAPIError turns any error into an apiError; errors that are not already
// AWS errors are internal failures.
func asAPIError(err error) *apiError {
	var apiErr *apiError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	return &apiError{status: http.StatusInternalServerError, code: "InternalFailure", message: err.Error()}
}

// Fault is an error the server answers in place of an operation, for example
// throttling. See Server.InjectFault.
type Fault struct {
	// Code is the AWS error code, e.g. "RequestLimitExceeded" (EC2),
	// "Throttling" (Auto Scaling) or "ThrottlingException" (SSM, EKS).
	Code string
	// Message defaults to a sentence naming the code.
	Message string
	// Status is the HTTP status; 400 when zero.
	Status int
	// Times is how many calls fail before the operation answers normally
	// again; zero means every call until ClearFaults.
	Times int
}

// apiError converts the fault into the error the protocol writes.
func (f Fault) apiError() *apiError {
	status := f.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	msg := f.Message
	if msg == "" {
		msg = "Injected fault: " + f.Code + "."
	}
	return &apiError{status: status, code: f.Code, message: msg}
}

// Errors common to every service, as the AWS common errors reference lists them.
func errMissingAuthenticationToken() *apiError {
	return &apiError{status: http.StatusForbidden, code: "MissingAuthenticationToken",
		message: "Request is missing Authentication Token"}
}

func errIncompleteSignature(detail string) *apiError {
	return clientError("IncompleteSignature", "The request signature does not conform to AWS standards: %s", detail)
}

func errWrongRegion(got, want string) *apiError {
	return &apiError{status: http.StatusForbidden, code: "SignatureDoesNotMatch",
		message: fmt.Sprintf("Credential should be scoped to a valid region, not '%s'. This endpoint serves '%s'.", got, want)}
}
