// Package awssim simulates the slice of AWS that kubectl-rotate talks to, over
// the real wire protocols, so that the real aws-sdk-go-v2 clients can be
// pointed at it in tests and in the local sandbox.
//
// The package has three layers:
//
//   - the model (Cloud and its resource types: Image, Instance,
//     LaunchTemplate, LaunchConfiguration, AutoScalingGroup, EKSCluster,
//     Nodegroup, Parameter), an in-memory account guarded by one mutex;
//   - the protocol handlers, a few files per service: EC2 and Auto Scaling speak
//     the query protocol (form POST, XML answers), SSM speaks JSON 1.1 and EKS
//     speaks REST-JSON, each with its documented request parameters, paging
//     and error shapes;
//   - the HTTP server (Server), which tells the services apart by the SigV4
//     credential scope, refuses unsigned requests the way AWS does, counts
//     calls, and can answer injected faults and throttle callers.
//
// Besides the describe calls of every service, the API answers the calls
// that change things: Auto Scaling's SetDesiredCapacity,
// UpdateAutoScalingGroup, TerminateInstanceInAutoScalingGroup,
// DetachInstances, SetInstanceProtection, CreateOrUpdateTags and DeleteTags
// (with DescribeTags and DescribeScalingActivities to read them back);
// EC2's TerminateInstances, CreateTags and DeleteTags (and
// DescribeInstanceStatus); EKS's UpdateNodegroupConfig (and DescribeUpdate).
// They follow the rules and error messages of the AWS API references and
// user guides.
//
// The Cloud then acts as AWS does in the background when it is reconciled:
// Cloud.Run reconciles every Lifecycle.Tick, Cloud.Reconcile once (tests
// drive it with a clock set by Cloud.SetClock). Instances go from pending to
// running and from shutting-down to terminated after the delays of
// Lifecycle, and disappear some time after termination; each group launches
// instances into its least populated zones up to its desired capacity, from
// its launch template version as resolved at launch time, and terminates
// surplus instances by the default termination policy; members stopped or
// terminated outside Auto Scaling are replaced. Cloud.Subscribe delivers
// every change of an instance's state, in order, without ever letting a
// slow subscriber hold the Cloud up.
//
// Server.SetThrottle turns on request throttling per service, with token
// buckets per action as EC2 documents them.
//
// A test starts a server and builds clients from its configuration:
//
//	cloud := awssim.NewCloud("us-east-1")
//	srv, err := awssim.Start(cloud)
//	...
//	client := ec2.NewFromConfig(srv.AWSConfig())
//
// Processes that read the standard environment instead take Server.Environ,
// which sets AWS_ENDPOINT_URL and static credentials.
package awssim
