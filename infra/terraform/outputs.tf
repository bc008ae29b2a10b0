# The first four are the old deployment's outputs; the rest name what docs/operations.md and
# infra/push.sh act on.

output "alb_hostname" {
  description = "DNS name of the load balancer (the service's address)"
  value       = aws_lb.main.dns_name
}

output "ecr_repository_url" {
  description = "Where infra/push.sh pushes the image"
  value       = aws_ecr_repository.app.repository_url
}

output "target_group_arn" {
  value = aws_lb_target_group.host.arn
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "aws_region" {
  value = var.aws_region
}

output "cluster_name" {
  value = aws_ecs_cluster.main.name
}

output "host_service_name" {
  value = aws_ecs_service.host.name
}

output "worker_service_name" {
  value = aws_ecs_service.worker.name
}

output "log_group_name" {
  value = aws_cloudwatch_log_group.app.name
}

output "dynamodb_table_name" {
  value = aws_dynamodb_table.main.name
}

output "s3_bucket_name" {
  value = aws_s3_bucket.data.bucket
}
