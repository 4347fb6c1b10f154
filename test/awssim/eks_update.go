package awssim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// nodegroupUpdate is an update of a node group's configuration, kept for
// DescribeUpdate. The simulator applies updates at once.
type nodegroupUpdate struct {
	id        string
	cluster   string
	nodegroup string
	createdAt time.Time
	params    []eksUpdateParam
}

// eksUpdateParam is one changed parameter of an update.
type eksUpdateParam struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// eksUpdate is the Update shape of the EKS answers.
type eksUpdate struct {
	ID        string           `json:"id"`
	Status    string           `json:"status"`
	Type      string           `json:"type"`
	Params    []eksUpdateParam `json:"params"`
	CreatedAt epochSeconds     `json:"createdAt"`
	Errors    []struct{}       `json:"errors"`
}

// scalingPatch is the scalingConfig of an UpdateNodegroupConfig request;
// nil members stay as they are.
type scalingPatch struct {
	MinSize     *int `json:"minSize"`
	MaxSize     *int `json:"maxSize"`
	DesiredSize *int `json:"desiredSize"`
}

// labelsPatch is the labels member of an UpdateNodegroupConfig request.
type labelsPatch struct {
	AddOrUpdateLabels map[string]string `json:"addOrUpdateLabels"`
	RemoveLabels      []string          `json:"removeLabels"`
}

// invalidParameter is EKS's InvalidParameterException.
func invalidParameter(cluster, nodegroup, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidParameterException", message: fmt.Sprintf(format, args...),
		fields: map[string]string{"clusterName": cluster, "nodegroupName": nodegroup}}
}

// updateNodegroupConfig implements UpdateNodegroupConfig for scalingConfig
// and labels: the node group must be ACTIVE; minSize >= 0, maxSize >= 1
// and minSize <= desiredSize <= maxSize must hold after the change. The new
// sizes are also given to the node group's Auto Scaling groups, as EKS
// does, so the reconciler acts on them. Other members are accepted and
// ignored.
func (s *eksService) updateNodegroupConfig(cluster, name string, r *http.Request) (any, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, invalidParameter(cluster, name, "reading the request body: %v", err)
	}
	var in struct {
		ScalingConfig *scalingPatch `json:"scalingConfig"`
		Labels        *labelsPatch  `json:"labels"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, &apiError{status: http.StatusBadRequest, code: "SerializationException", message: err.Error()}
		}
	}
	u, err := s.cloud.updateNodegroupConfig(cluster, name, in.ScalingConfig, in.Labels)
	if err != nil {
		return nil, err
	}
	return struct {
		Update eksUpdate `json:"update"`
	}{eksUpdateOf(u, "InProgress")}, nil
}

// describeUpdate implements DescribeUpdate for node group updates, which
// have all succeeded by the time they can be described.
func (s *eksService) describeUpdate(cluster, id, nodegroup string) (any, error) {
	if _, ok := s.cloud.Cluster(cluster); !ok {
		return nil, errClusterNotFound(cluster)
	}
	u, ok := s.cloud.nodegroupUpdate(id)
	if !ok || u.cluster != cluster || u.nodegroup != nodegroup {
		return nil, &apiError{status: http.StatusNotFound, code: "ResourceNotFoundException",
			message: "No update found for ID: " + id + ".", fields: map[string]string{"clusterName": cluster, "nodegroupName": nodegroup}}
	}
	return struct {
		Update eksUpdate `json:"update"`
	}{eksUpdateOf(u, "Successful")}, nil
}

// eksUpdateOf renders an update with the given status.
func eksUpdateOf(u nodegroupUpdate, status string) eksUpdate {
	return eksUpdate{ID: u.id, Status: status, Type: "ConfigUpdate", Params: append([]eksUpdateParam{}, u.params...),
		CreatedAt: epochSeconds(u.createdAt), Errors: []struct{}{}}
}

// updateNodegroupConfig applies a scaling and labels change to a node group
// and its Auto Scaling groups, and records the update.
func (c *Cloud) updateNodegroupConfig(cluster, name string, scaling *scalingPatch, labels *labelsPatch) (nodegroupUpdate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.clusters[cluster]; !ok {
		return nodegroupUpdate{}, errClusterNotFound(cluster)
	}
	old, ok := c.nodegroups[cluster][name]
	if !ok {
		return nodegroupUpdate{}, errNodegroupNotFound(cluster, name)
	}
	if old.Status != "ACTIVE" {
		return nodegroupUpdate{}, &apiError{status: http.StatusConflict, code: "ResourceInUseException",
			message: fmt.Sprintf("Nodegroup %s cannot be updated while it is %s.", name, old.Status),
			fields:  map[string]string{"clusterName": cluster, "nodegroupName": name}}
	}
	ng := cloneNodegroup(old)
	var params []eksUpdateParam
	if scaling != nil {
		for _, p := range []struct {
			kind string
			src  *int
			dst  *int
		}{
			{"MinSize", scaling.MinSize, &ng.MinSize},
			{"MaxSize", scaling.MaxSize, &ng.MaxSize},
			{"DesiredSize", scaling.DesiredSize, &ng.DesiredSize},
		} {
			if p.src != nil {
				*p.dst = *p.src
				params = append(params, eksUpdateParam{Type: p.kind, Value: strconv.Itoa(*p.src)})
			}
		}
		switch {
		case ng.MinSize < 0:
			return nodegroupUpdate{}, invalidParameter(cluster, name, "minSize must be greater than or equal to 0")
		case ng.MaxSize < 1:
			return nodegroupUpdate{}, invalidParameter(cluster, name, "maxSize must be greater than or equal to 1")
		case ng.DesiredSize > ng.MaxSize:
			return nodegroupUpdate{}, invalidParameter(cluster, name, "desired capacity %d can't be greater than max size %d", ng.DesiredSize, ng.MaxSize)
		case ng.MinSize > ng.DesiredSize:
			return nodegroupUpdate{}, invalidParameter(cluster, name, "Minimum capacity %d can't be greater than desired size %d", ng.MinSize, ng.DesiredSize)
		}
	}
	if labels != nil {
		if len(labels.AddOrUpdateLabels) > 0 {
			if ng.Labels == nil {
				ng.Labels = map[string]string{}
			}
			for k, v := range labels.AddOrUpdateLabels {
				ng.Labels[k] = v
			}
			raw, _ := json.Marshal(labels.AddOrUpdateLabels)
			params = append(params, eksUpdateParam{Type: "LabelsToAdd", Value: string(raw)})
		}
		if len(labels.RemoveLabels) > 0 {
			for _, k := range labels.RemoveLabels {
				delete(ng.Labels, k)
			}
			raw, _ := json.Marshal(labels.RemoveLabels)
			params = append(params, eksUpdateParam{Type: "LabelsToRemove", Value: string(raw)})
		}
	}
	now := c.now()
	if scaling != nil {
		for _, groupName := range ng.AutoScalingGroups {
			g, ok := c.groups[groupName]
			if !ok {
				continue
			}
			if g.DesiredCapacity != ng.DesiredSize {
				c.causes[groupName] = fmt.Sprintf("At %s a user request update of AutoScalingGroup constraints to min: %d, max: %d, "+
					"desired: %d changing the desired capacity from %d to %d.", causeTime(now), ng.MinSize, ng.MaxSize,
					ng.DesiredSize, g.DesiredCapacity, ng.DesiredSize)
			}
			g.MinSize, g.MaxSize, g.DesiredCapacity = ng.MinSize, ng.MaxSize, ng.DesiredSize
			c.groups[groupName] = g
		}
	}
	c.nodegroups[cluster][name] = ng
	c.seq++
	u := nodegroupUpdate{
		id:      stableUUID(fmt.Sprintf("update/%s/%s/%d", cluster, name, c.seq)),
		cluster: cluster, nodegroup: name, createdAt: c.stampLocked(time.Time{}), params: slices.Clone(params),
	}
	c.ngUpdates[u.id] = u
	return u, nil
}

// nodegroupUpdate returns the node group update with the given ID.
func (c *Cloud) nodegroupUpdate(id string) (nodegroupUpdate, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	u, ok := c.ngUpdates[id]
	return u, ok
}
