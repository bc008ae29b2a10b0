# Every name the deployment creates, in one place: docs/operations.md uses these same names,
# and tests/infra checks that it does.
locals {
  cluster_name      = "${var.app_name}-cluster"
  host_name         = "${var.app_name}-host"
  worker_name       = "${var.app_name}-worker"
  log_group_name    = "/ecs/${var.app_name}"
  default_table     = "${var.app_name}-${var.environment}"
  table_name        = var.dynamodb_table_name != "" ? var.dynamodb_table_name : local.default_table
  bucket_name       = "${var.app_name}-${var.environment}-${data.aws_caller_identity.current.account_id}"
  metrics_namespace = "Parallax"

  # Alarms notify the SNS topic when one is given.
  alarm_actions = var.alarm_sns_topic_arn == "" ? [] : [var.alarm_sns_topic_arn]

  # Tasks run in the private subnets when there are some, else in the public ones with a public IP
  # (needed there to pull from ECR and reach DynamoDB and S3 without a NAT gateway).
  task_subnet_ids  = var.enable_private_subnets ? aws_subnet.private[*].id : aws_subnet.public[*].id
  assign_public_ip = !var.enable_private_subnets
}
