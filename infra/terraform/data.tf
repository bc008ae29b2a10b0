# The shared state of host and workers at scale (STORAGE=aws): one DynamoDB table and one S3 bucket.

# Keys and indexes as the DynamoDB stores create them (tableDefinition in
# packages/adapters/src/aws/table.ts, key design in packages/adapters/src/aws/README.md): key `id`,
# sparse GSI `queue` over pending and running jobs (sharded partitions), sparse GSI `listing`
# over notebooks, tracking tasks and jobs (summaries and job documents, never notebook bodies),
# sparse GSI `owner_listing` over jobs by owner (`jobs#<owner>`). tests/infra checks that the two agree.
resource "aws_dynamodb_table" "main" {
  name                        = local.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = true

  attribute {
    name = "id"
    type = "S"
  }

  attribute {
    name = "queue"
    type = "S"
  }

  attribute {
    name = "queue_key"
    type = "S"
  }

  attribute {
    name = "list_key"
    type = "S"
  }

  attribute {
    name = "list_sort"
    type = "S"
  }

  attribute {
    name = "owner_list_key"
    type = "S"
  }

  global_secondary_index {
    name            = "queue"
    hash_key        = "queue"
    range_key       = "queue_key"
    projection_type = "ALL"
  }

  global_secondary_index {
    name               = "listing"
    hash_key           = "list_key"
    range_key          = "list_sort"
    projection_type    = "INCLUDE"
    non_key_attributes = ["summary", "version", "doc"]
  }

  # Added to an existing table by `apply` (DynamoDB backfills the index from items that already
  # carry `owner_list_key`); items written before it get the attribute from `parallax backfill-job-owners`.
  global_secondary_index {
    name               = "owner_listing"
    hash_key           = "owner_list_key"
    range_key          = "list_sort"
    projection_type    = "INCLUDE"
    non_key_attributes = ["version", "doc"]
  }

  ttl {
    attribute_name = var.dynamodb_ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_s3_bucket" "data" {
  bucket = local.bucket_name
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs off: the bucket owner owns every object, access is by IAM policy only.
resource "aws_s3_bucket_ownership_controls" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    id     = "old-versions-and-abandoned-uploads"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.s3_noncurrent_version_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.data]
}

# Refuse plain HTTP to the bucket.
data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "data" {
  bucket     = aws_s3_bucket.data.id
  policy     = data.aws_iam_policy_document.bucket.json
  depends_on = [aws_s3_bucket_public_access_block.data]
}
