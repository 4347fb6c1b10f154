@echo off
rem Shell completion for "kubectl rotate": kubectl runs kubectl_complete-rotate from PATH.
kubectl-rotate.exe __complete %*
