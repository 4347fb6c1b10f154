package awssim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// epochSeconds is a timestamp in the JSON protocols' default format: seconds
// since the Unix epoch as a number with a fractional part.
type epochSeconds time.Time

// MarshalJSON writes the time as fractional epoch seconds.
func (t epochSeconds) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)), nil
}

// writeJSON writes v as a JSON answer with status.
func writeJSON(w http.ResponseWriter, status int, requestID, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"__type":"InternalFailure","message":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// jsonErrorBody is the body of a JSON protocol error: the message, the
// modeled exception's own members and, for awsJson, the __type.
func jsonErrorBody(e *apiError, withType bool) map[string]string {
	body := map[string]string{"message": e.message}
	for k, v := range e.fields {
		body[k] = v
	}
	if withType {
		body["__type"] = e.code
	}
	return body
}

// writeAWSJSONError writes an awsJson 1.1 error: {"__type":..,"message":..}.
func writeAWSJSONError(w http.ResponseWriter, requestID string, e *apiError) {
	writeJSON(w, e.status, requestID, "application/x-amz-json-1.1", jsonErrorBody(e, true))
}

// writeRESTJSONError writes a REST-JSON error: the code in the
// x-amzn-ErrorType header and the exception's members in the body.
func writeRESTJSONError(w http.ResponseWriter, requestID string, e *apiError) {
	w.Header().Set("x-amzn-ErrorType", e.code)
	writeJSON(w, e.status, requestID, "application/json", jsonErrorBody(e, false))
}
