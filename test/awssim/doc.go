// Package awssim simulates the slice of AWS that kubectl-rotate talks to, over
// the real wire protocols, so that the real aws-sdk-go-v2 clients can be
// pointed at it in tests and in the local sandbox.
//
// The package has three layers:
//
//   - the model (Cloud and its resource types: Image, Instance,
//     LaunchTemplate, LaunchConfiguration, AutoScalingGroup, EKSCluster,
//     Nodegroup, Parameter), an in-memory account guarded by one mutex;
//   - the protocol handlers, one file per service: EC2 and Auto Scaling speak
//     the query protocol (form POST, XML answers), SSM speaks JSON 1.1 and EKS
//     speaks REST-JSON, each with its documented request parameters, paging
//     and error shapes;
//   - the HTTP server (Server), which tells the services apart by the SigV4
//     credential scope, refuses unsigned requests the way AWS does, counts
//     calls and can answer injected faults such as throttling.
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
