"""Marshmallow schemas for every JSON body in and out; the OpenAPI document is made from them."""
