package awssim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ssmMaxNames is the documented maximum of names in one GetParameters call
// (API reference, GetParameters: "Array Members: Minimum number of 1 item.
// Maximum number of 10 items.").
const ssmMaxNames = 10

// ssmService answers the SSM JSON 1.1 protocol (X-Amz-Target: AmazonSSM.<Operation>).
type ssmService struct {
	cloud    *Cloud
	handlers map[string]func(body []byte) (any, error)
}

func newSSMService(c *Cloud) *ssmService {
	s := &ssmService{cloud: c}
	s.handlers = map[string]func([]byte) (any, error){
		"GetParameter":  s.getParameter,
		"GetParameters": s.getParameters,
	}
	return s
}

func (s *ssmService) operation(r *http.Request) (string, error) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AmazonSSM.")
	if _, known := s.handlers[op]; !ok || !known {
		return "", clientError("UnknownOperationException", "Operation %q is not supported by this service.", target)
	}
	return op, nil
}

func (s *ssmService) call(op string, r *http.Request) (any, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, clientError("SerializationException", "reading the request body: %v", err)
	}
	return s.handlers[op](body)
}

func (s *ssmService) writeResult(w http.ResponseWriter, requestID, _ string, out any) {
	writeJSON(w, http.StatusOK, requestID, "application/x-amz-json-1.1", out)
}

func (s *ssmService) writeError(w http.ResponseWriter, requestID string, err *apiError) {
	if err.code == "MissingAuthenticationToken" {
		// JSON services name it with the Exception suffix.
		err = &apiError{status: http.StatusBadRequest, code: "MissingAuthenticationTokenException", message: err.message}
	}
	writeAWSJSONError(w, requestID, err)
}

// ssmParameter is the Parameter shape of the answers.
type ssmParameter struct {
	ARN              string       `json:"ARN"`
	DataType         string       `json:"DataType"`
	LastModifiedDate epochSeconds `json:"LastModifiedDate"`
	Name             string       `json:"Name"`
	Selector         string       `json:"Selector,omitempty"`
	Type             string       `json:"Type"`
	Value            string       `json:"Value"`
	Version          int64        `json:"Version"`
}

// decodeSSM reads a JSON request body into v.
func decodeSSM(body []byte, v any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return clientError("SerializationException", "The request body is not valid JSON: %v", err)
	}
	return nil
}

// lookup finds a parameter by name, ARN or name:version, as GetParameter
// accepts them. Only the current version of a parameter is kept, so a
// selector naming another version finds nothing.
func (s *ssmService) lookup(ref string) (ssmParameter, error) {
	name, selector := ref, ""
	if strings.HasPrefix(ref, "arn:") {
		_, rest, ok := strings.Cut(ref, ":parameter")
		if !ok {
			return ssmParameter{}, clientError("ValidationException", "Parameter ARN %s is not valid.", ref)
		}
		name = rest
		if _, found := s.cloud.Parameter(name); !found {
			name = strings.TrimPrefix(rest, "/")
		}
	} else if i := strings.LastIndex(ref, ":"); i >= 0 {
		name, selector = ref[:i], ref[i:]
	}
	p, ok := s.cloud.Parameter(name)
	if !ok {
		return ssmParameter{}, clientError("ParameterNotFound", "Parameter %s not found.", ref)
	}
	if selector != "" {
		n, err := strconv.ParseInt(selector[1:], 10, 64)
		if err != nil {
			return ssmParameter{}, clientError("ParameterVersionLabelNotFound", "Parameter %s has no label %s.", name, selector[1:])
		}
		if n != p.Version {
			return ssmParameter{}, clientError("ParameterVersionNotFound", "Version %d of parameter %s does not exist.", n, name)
		}
	}
	return ssmParameter{
		ARN:              s.cloud.parameterARN(p.Name),
		DataType:         "text",
		LastModifiedDate: epochSeconds(p.LastModified),
		Name:             p.Name,
		Selector:         selector,
		Type:             "String",
		Value:            p.Value,
		Version:          p.Version,
	}, nil
}

// getParameter implements GetParameter.
func (s *ssmService) getParameter(body []byte) (any, error) {
	var in struct {
		Name           string
		WithDecryption bool
	}
	if err := decodeSSM(body, &in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, clientError("ValidationException",
			"1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	p, err := s.lookup(in.Name)
	if err != nil {
		return nil, err
	}
	return struct {
		Parameter ssmParameter `json:"Parameter"`
	}{p}, nil
}

// getParameters implements GetParameters: 1 to 10 names; names that match no
// parameter come back in InvalidParameters; parameters are listed in
// alphabetical order, as documented.
func (s *ssmService) getParameters(body []byte) (any, error) {
	var in struct {
		Names          []string
		WithDecryption bool
	}
	if err := decodeSSM(body, &in); err != nil {
		return nil, err
	}
	switch {
	case len(in.Names) == 0:
		return nil, clientError("ValidationException",
			"1 validation error detected: Value '[]' at 'names' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(in.Names) > ssmMaxNames:
		return nil, clientError("ValidationException",
			"1 validation error detected: Value '[%s]' at 'names' failed to satisfy constraint: Member must have length less than or equal to %d",
			strings.Join(in.Names, ", "), ssmMaxNames)
	}
	out := struct {
		InvalidParameters []string       `json:"InvalidParameters"`
		Parameters        []ssmParameter `json:"Parameters"`
	}{InvalidParameters: []string{}, Parameters: []ssmParameter{}}
	seen := map[string]bool{}
	for _, name := range in.Names {
		if seen[name] {
			continue
		}
		seen[name] = true
		p, err := s.lookup(name)
		if err != nil {
			if apiErr := asAPIError(err); apiErr.code == "ValidationException" {
				return nil, fmt.Errorf("GetParameters: %w", err)
			}
			out.InvalidParameters = append(out.InvalidParameters, name)
			continue
		}
		out.Parameters = append(out.Parameters, p)
	}
	slices.SortFunc(out.Parameters, func(a, b ssmParameter) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
