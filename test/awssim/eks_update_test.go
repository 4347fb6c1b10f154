package awssim

import (
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// nodegroupCloud returns a simCloud with the EKS cluster "prod" and its
// node group "general" (2/3/6) backed by the group "workers".
func nodegroupCloud(t *testing.T) (*Cloud, *eks.Client) {
	t.Helper()
	c, _ := simCloud(t)
	must(t, c.AddCluster(EKSCluster{Name: "prod", Version: "1.36"}))
	must(t, c.AddNodegroup(Nodegroup{Cluster: "prod", Name: "general", MinSize: 1, MaxSize: 6, DesiredSize: 3,
		AutoScalingGroups: []string{"workers"}, Labels: map[string]string{"role": "general"}}))
	must(t, c.AddNodegroup(Nodegroup{Cluster: "prod", Name: "busy", MaxSize: 1, Status: "UPDATING"}))
	return c, eks.NewFromConfig(startServer(t, c).AWSConfig())
}

func TestUpdateNodegroupConfigScalesTheGroup(t *testing.T) {
	c, client := nodegroupCloud(t)
	out, err := client.UpdateNodegroupConfig(ctx(t), &eks.UpdateNodegroupConfigInput{
		ClusterName: aws.String("prod"), NodegroupName: aws.String("general"),
		ScalingConfig: &ekstypes.NodegroupScalingConfig{MaxSize: aws.Int32(8), DesiredSize: aws.Int32(5)},
		Labels:        &ekstypes.UpdateLabelsPayload{AddOrUpdateLabels: map[string]string{"rotation": "on"}, RemoveLabels: []string{"role"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := out.Update
	if u == nil || u.Status != ekstypes.UpdateStatusInProgress || u.Type != ekstypes.UpdateTypeConfigUpdate || aws.ToString(u.Id) == "" {
		t.Fatalf("update = %+v", u)
	}
	params := map[ekstypes.UpdateParamType]string{}
	for _, p := range u.Params {
		params[p.Type] = aws.ToString(p.Value)
	}
	if params[ekstypes.UpdateParamTypeMaxSize] != "8" || params[ekstypes.UpdateParamTypeDesiredSize] != "5" ||
		params[ekstypes.UpdateParamTypeLabelsToAdd] == "" || params[ekstypes.UpdateParamTypeMinSize] != "" {
		t.Errorf("params = %v", params)
	}
	ng, _ := c.Nodegroup("prod", "general")
	if ng.MinSize != 1 || ng.MaxSize != 8 || ng.DesiredSize != 5 || !maps.Equal(ng.Labels, map[string]string{"rotation": "on"}) {
		t.Errorf("node group %d/%d/%d labels %v", ng.MinSize, ng.DesiredSize, ng.MaxSize, ng.Labels)
	}
	if g, _ := c.AutoScalingGroup("workers"); g.MinSize != 1 || g.MaxSize != 8 || g.DesiredCapacity != 5 {
		t.Errorf("Auto Scaling group %d/%d/%d, want 1/5/8", g.MinSize, g.DesiredCapacity, g.MaxSize)
	}
	c.Reconcile()
	if n := len(activeIDs(c, "workers")); n != 5 {
		t.Errorf("%d active instances, want 5", n)
	}
	desc, err := client.DescribeUpdate(ctx(t), &eks.DescribeUpdateInput{Name: aws.String("prod"), UpdateId: u.Id, NodegroupName: aws.String("general")})
	if err != nil {
		t.Fatal(err)
	}
	if desc.Update.Status != ekstypes.UpdateStatusSuccessful || aws.ToString(desc.Update.Id) != aws.ToString(u.Id) {
		t.Errorf("described update = %+v", desc.Update)
	}
}

func TestUpdateNodegroupConfigErrors(t *testing.T) {
	tests := []struct {
		name        string
		cluster, ng string
		scaling     ekstypes.NodegroupScalingConfig
		wantCode    string
		wantMessage string
	}{
		{name: "desired above max", cluster: "prod", ng: "general", scaling: ekstypes.NodegroupScalingConfig{DesiredSize: aws.Int32(7)},
			wantCode: "InvalidParameterException", wantMessage: "desired capacity 7 can't be greater than max size 6"},
		{name: "min above desired", cluster: "prod", ng: "general", scaling: ekstypes.NodegroupScalingConfig{MinSize: aws.Int32(4)},
			wantCode: "InvalidParameterException", wantMessage: "Minimum capacity 4 can't be greater than desired size 3"},
		{name: "max below one", cluster: "prod", ng: "general", scaling: ekstypes.NodegroupScalingConfig{MinSize: aws.Int32(0),
			MaxSize: aws.Int32(0), DesiredSize: aws.Int32(0)}, wantCode: "InvalidParameterException", wantMessage: "maxSize"},
		{name: "node group not active", cluster: "prod", ng: "busy", scaling: ekstypes.NodegroupScalingConfig{DesiredSize: aws.Int32(1)},
			wantCode: "ResourceInUseException", wantMessage: "UPDATING"},
		{name: "unknown node group", cluster: "prod", ng: "nope", wantCode: "ResourceNotFoundException", wantMessage: "No node group found for name: nope."},
		{name: "unknown cluster", cluster: "nope", ng: "general", wantCode: "ResourceNotFoundException", wantMessage: "No cluster found for name: nope."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, client := nodegroupCloud(t)
			_, err := client.UpdateNodegroupConfig(ctx(t), &eks.UpdateNodegroupConfigInput{
				ClusterName: aws.String(tt.cluster), NodegroupName: aws.String(tt.ng), ScalingConfig: &tt.scaling})
			wantError(t, err, tt.wantCode, tt.wantMessage)
			if g, _ := c.AutoScalingGroup("workers"); g.MinSize != 1 || g.MaxSize != 6 || g.DesiredCapacity != 3 {
				t.Errorf("a refused update changed the group to %d/%d/%d", g.MinSize, g.DesiredCapacity, g.MaxSize)
			}
		})
	}
	_, client := nodegroupCloud(t)
	_, err := client.DescribeUpdate(ctx(t), &eks.DescribeUpdateInput{Name: aws.String("prod"), UpdateId: aws.String("nope"), NodegroupName: aws.String("general")})
	wantCode(t, err, "ResourceNotFoundException")
}
