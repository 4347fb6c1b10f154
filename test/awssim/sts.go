package awssim

import (
	"net/http"
	"net/url"
)

// STS query protocol version and namespace (AWS Security Token Service API Reference).
const (
	stsAPIVersion = "2011-06-15"
	stsNamespace  = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// stsService answers GetCallerIdentity, the one STS call a client makes to learn who it is.
// AWS answers it for every caller: no policy is needed to call it and none can deny it.
type stsService struct {
	cloud *Cloud
}

func newSTSService(c *Cloud) *stsService { return &stsService{cloud: c} }

// callerIdentity is GetCallerIdentityResult.
type callerIdentity struct {
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

func (s *stsService) operation(r *http.Request) (string, error) {
	return queryOperation(r, map[string]queryHandler{"GetCallerIdentity": nil})
}

func (s *stsService) call(_ string, r *http.Request) (any, error) {
	return s.getCallerIdentity(r.Form)
}

// stsSession is the session name of the simulator's one identity.
const stsSession = "awssim-session"

// getCallerIdentity names the simulator's one identity, a session of the role "awssim".
func (s *stsService) getCallerIdentity(url.Values) (any, error) {
	account := s.cloud.AccountID()
	return callerIdentity{
		UserID:  "AROAAWSSIMROLE000001:" + stsSession,
		Account: account,
		Arn:     "arn:aws:sts::" + account + ":assumed-role/awssim/" + stsSession,
	}, nil
}

func (s *stsService) writeResult(w http.ResponseWriter, requestID, op string, out any) {
	writeQueryResult(w, requestID, stsNamespace, op, out)
}

func (s *stsService) writeError(w http.ResponseWriter, requestID string, err *apiError) {
	writeQueryError(w, requestID, stsNamespace, err)
}
