package awssim

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// XML namespaces of the query protocol answers.
const (
	ec2Namespace         = "http://ec2.amazonaws.com/doc/2016-11-15/"
	autoscalingNamespace = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
)

// API versions that identify query protocol requests.
const (
	ec2APIVersion         = "2016-11-15"
	autoscalingAPIVersion = "2011-01-01"
)

// queryHandler runs one query protocol operation on the request's parameters.
type queryHandler func(form url.Values) (any, error)

// queryOperation parses a query protocol request and returns its Action,
// failing with the documented common errors.
func queryOperation(r *http.Request, handlers map[string]queryHandler) (string, error) {
	if err := r.ParseForm(); err != nil {
		return "", &apiError{status: http.StatusNotFound, code: "MalformedQueryString", message: err.Error()}
	}
	action := r.Form.Get("Action")
	if action == "" {
		return "", clientError("MissingAction", "The request must contain the parameter Action.")
	}
	if _, ok := handlers[action]; !ok {
		return "", clientError("InvalidAction", "The action %s is not valid for this web service.", action)
	}
	return action, nil
}

// queryList returns the values of prefix1, prefix2, ... in index order: the
// query protocol's encoding of a list (InstanceId.1, Names.member.1...).
func queryList(form url.Values, prefix string) []string {
	type entry struct {
		index int
		value string
	}
	var entries []entry
	for key, values := range form {
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok || len(values) == 0 {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 {
			continue
		}
		entries = append(entries, entry{n, values[0]})
	}
	slices.SortFunc(entries, func(a, b entry) int { return a.index - b.index })
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.value
	}
	return out
}

// queryFilters parses a list of filters: prefix N.Name and prefix N.<values>M,
// e.g. Filter.1.Name / Filter.1.Value.1 (EC2) or Filters.member.1.Name /
// Filters.member.1.Values.member.1 (Auto Scaling).
func queryFilters(form url.Values, prefix, valuesPrefix string) []filter {
	indexes := map[int]bool{}
	for key := range form {
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		head, _, _ := strings.Cut(rest, ".")
		if n, err := strconv.Atoi(head); err == nil && n >= 1 {
			indexes[n] = true
		}
	}
	ordered := make([]int, 0, len(indexes))
	for n := range indexes {
		ordered = append(ordered, n)
	}
	slices.Sort(ordered)
	filters := make([]filter, 0, len(ordered))
	for _, n := range ordered {
		base := prefix + strconv.Itoa(n) + "."
		filters = append(filters, filter{
			name:   form.Get(base + "Name"),
			values: queryList(form, base+valuesPrefix),
		})
	}
	return filters
}

// queryStructs parses a list of structures: prefix N.Member=value, e.g.
// Tags.member.1.Key / Tags.member.1.Value. It returns one map of member
// name (the rest of the key after "N.") to value per index, in index order,
// and whether the list appears at all (an empty list is sent as its name
// alone: Tags= for Tags.member.).
func queryStructs(form url.Values, prefix string) ([]map[string]string, bool) {
	byIndex := map[int]map[string]string{}
	present := false
	bare := strings.TrimSuffix(prefix, "member.")
	for key, values := range form {
		if key+"." == bare {
			present = true
		}
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok || len(values) == 0 {
			continue
		}
		present = true
		head, member, ok := strings.Cut(rest, ".")
		n, err := strconv.Atoi(head)
		if !ok || err != nil || n < 1 {
			continue
		}
		if byIndex[n] == nil {
			byIndex[n] = map[string]string{}
		}
		byIndex[n][member] = values[0]
	}
	indexes := make([]int, 0, len(byIndex))
	for n := range byIndex {
		indexes = append(indexes, n)
	}
	slices.Sort(indexes)
	out := make([]map[string]string, len(indexes))
	for i, n := range indexes {
		out[i] = byIndex[n]
	}
	return out, present
}

// queryBool reads an optional boolean parameter.
func queryBool(form url.Values, key string, def bool) (bool, error) {
	raw := form.Get(key)
	if raw == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return def, fmt.Errorf("parameter %s: %w", key, err)
	}
	return b, nil
}

// xmlTime formats a time the way the query protocols do.
func xmlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// requestIDSetter is implemented by EC2 answers, which carry the request ID
// in their own body.
type requestIDSetter interface{ setRequestID(string) }

// ec2Meta is embedded first in every EC2 answer.
type ec2Meta struct {
	RequestID string `xml:"requestId"`
}

func (m *ec2Meta) setRequestID(id string) { m.RequestID = id }

// writeXML encodes an XML document built by encode and writes it with status.
func writeXML(w http.ResponseWriter, status int, requestID string, encode func(*xml.Encoder) error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	err := encode(enc)
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeEC2Result writes <ActionResponse xmlns=...><requestId/>...fields...</ActionResponse>.
func writeEC2Result(w http.ResponseWriter, requestID, op string, out any) {
	if s, ok := out.(requestIDSetter); ok {
		s.setRequestID(requestID)
	}
	writeXML(w, http.StatusOK, requestID, func(enc *xml.Encoder) error {
		start := xml.StartElement{Name: xml.Name{Space: ec2Namespace, Local: op + "Response"}}
		return enc.EncodeElement(out, start)
	})
}

// ec2ErrorResponse is EC2's error document.
type ec2ErrorResponse struct {
	XMLName xml.Name `xml:"Response"`
	Errors  []struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Errors>Error"`
	RequestID string `xml:"RequestID"`
}

// writeEC2Error writes <Response><Errors><Error>...</Error></Errors><RequestID/></Response>.
func writeEC2Error(w http.ResponseWriter, requestID string, e *apiError) {
	doc := ec2ErrorResponse{RequestID: requestID}
	doc.Errors = append(doc.Errors, struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}{e.code, e.message})
	writeXML(w, e.status, requestID, func(enc *xml.Encoder) error { return enc.Encode(doc) })
}

// writeQueryResult writes the awsquery envelope: <ActionResponse><ActionResult>
// ...</ActionResult><ResponseMetadata><RequestId/></ResponseMetadata></ActionResponse>.
func writeQueryResult(w http.ResponseWriter, requestID, namespace, op string, out any) {
	writeXML(w, http.StatusOK, requestID, func(enc *xml.Encoder) error {
		root := xml.StartElement{Name: xml.Name{Space: namespace, Local: op + "Response"}}
		if err := enc.EncodeToken(root); err != nil {
			return err
		}
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: op + "Result"}}); err != nil {
			return err
		}
		meta := struct {
			RequestID string `xml:"RequestId"`
		}{requestID}
		if err := enc.EncodeElement(meta, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}); err != nil {
			return err
		}
		return enc.EncodeToken(root.End())
	})
}

// queryErrorResponse is the awsquery error document.
type queryErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// writeQueryError writes <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.
func writeQueryError(w http.ResponseWriter, requestID, namespace string, e *apiError) {
	doc := queryErrorResponse{Xmlns: namespace, RequestID: requestID}
	doc.Error.Type = "Sender"
	if e.status >= http.StatusInternalServerError {
		doc.Error.Type = "Receiver"
	}
	doc.Error.Code = e.code
	doc.Error.Message = e.message
	writeXML(w, e.status, requestID, func(enc *xml.Encoder) error { return enc.Encode(doc) })
}
