# ECS on Fargate: one cluster, one image, two services. The host serves HTTP/WebSocket behind the
# ALB; the workers claim jobs (pipelines, queued tracking tasks) from the shared table and bucket.
# The container definitions are plain objects in locals (not built by functions) so that
# tests/infra can read every variable each container gets.

resource "aws_ecs_cluster" "main" {
  name = local.cluster_name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/${var.app_name}"
  retention_in_days = var.log_retention_days
}

locals {
  image = "${aws_ecr_repository.app.repository_url}:${var.image_tag}"

  # Environment variables the containers read from Secrets Manager or Parameter Store.
  container_secrets = [for name, arn in var.secret_parameters : { name = name, valueFrom = arn }]

  host_container = {
    name      = "host"
    image     = local.image
    essential = true
    command   = ["node", "apps/http/dist/main.js"]
    portMappings = [
      { containerPort = var.app_port, hostPort = var.app_port, protocol = "tcp" },
    ]
    environment = [
      { name = "PORT", value = tostring(var.app_port) },
      { name = "HOST", value = "0.0.0.0" },
      { name = "DATA_DIR", value = "/srv/parallax/data" },
      { name = "STORAGE", value = "aws" },
      { name = "DYNAMODB_TABLE", value = aws_dynamodb_table.main.name },
      { name = "S3_BUCKET", value = aws_s3_bucket.data.bucket },
      { name = "AWS_REGION", value = var.aws_region },
      # Jobs and queued tracking tasks run on the worker service, not in the host.
      { name = "WORKER", value = "off" },
      # Behind the ALB: client address and scheme come from X-Forwarded-*.
      { name = "TRUST_PROXY", value = "true" },
      { name = "ALLOWED_ORIGINS", value = join(",", var.allowed_origins) },
      { name = "LOG_LEVEL", value = "info" },
      { name = "SHUTDOWN_GRACE_MS", value = "10000" },
    ]
    secrets = local.container_secrets
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.app.name
        "awslogs-region"        = var.aws_region
        "awslogs-stream-prefix" = "host"
      }
    }
    # SIGTERM (the image's STOPSIGNAL), then this long to drain before SIGKILL.
    stopTimeout = 30
  }

  worker_container = {
    name      = "worker"
    image     = local.image
    essential = true
    command   = ["node", "apps/worker/dist/main.js"]
    environment = [
      { name = "DATA_DIR", value = "/srv/parallax/data" },
      { name = "STORAGE", value = "aws" },
      { name = "DYNAMODB_TABLE", value = aws_dynamodb_table.main.name },
      { name = "S3_BUCKET", value = aws_s3_bucket.data.bucket },
      { name = "AWS_REGION", value = var.aws_region },
      { name = "WORKER_CONCURRENCY", value = tostring(var.worker_concurrency) },
      # Running jobs get all but 15 s of the stop timeout to finish; the rest are released to the queue.
      { name = "WORKER_DRAIN_MS", value = tostring((var.worker_stop_timeout - 15) * 1000) },
      # Where the workers publish PendingJobs and OldestPendingJobAgeSeconds (dimension Application).
      { name = "METRICS_NAMESPACE", value = local.metrics_namespace },
      { name = "METRICS_APPLICATION", value = var.app_name },
      { name = "LOG_LEVEL", value = "info" },
    ]
    secrets = local.container_secrets
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.app.name
        "awslogs-region"        = var.aws_region
        "awslogs-stream-prefix" = "worker"
      }
    }
    stopTimeout = var.worker_stop_timeout
  }
}

resource "aws_ecs_task_definition" "host" {
  family                   = local.host_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.fargate_cpu
  memory                   = var.fargate_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.host.arn
  container_definitions    = jsonencode([local.host_container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
}

resource "aws_ecs_task_definition" "worker" {
  family                   = local.worker_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.worker_cpu
  memory                   = var.worker_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.worker.arn
  container_definitions    = jsonencode([local.worker_container])

  # Tracking downloads its s3:// videos into DATA_DIR (cache capped by TRACKING_CACHE_MAX_MB, 10 GiB).
  ephemeral_storage {
    size_in_gib = var.worker_ephemeral_storage_gib
  }

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
}

resource "aws_ecs_service" "host" {
  name                               = local.host_name
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.host.arn
  desired_count                      = var.app_count
  launch_type                        = "FARGATE"
  health_check_grace_period_seconds  = 60
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"

  # A deployment whose tasks never turn healthy stops and rolls back to the last one that did.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = local.task_subnet_ids
    security_groups  = [aws_security_group.host.id]
    assign_public_ip = local.assign_public_ip
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.host.arn
    container_name   = "host"
    container_port   = var.app_port
  }

  # Autoscaling owns the task count after the first deployment.
  lifecycle {
    ignore_changes = [desired_count]
  }

  depends_on = [aws_lb_listener.http]
}

resource "aws_ecs_service" "worker" {
  name                               = local.worker_name
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.worker.arn
  desired_count                      = var.worker_count
  launch_type                        = "FARGATE"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = local.task_subnet_ids
    security_groups  = [aws_security_group.worker.id]
    assign_public_ip = local.assign_public_ip
  }

  lifecycle {
    ignore_changes = [desired_count]
  }
}
