"""The campaign plan: schema, loader and checks. Pure core: never imports Prefect."""

from flows.plan.loader import load_plan, load_plan_text
from flows.plan.schema import Plan

__all__ = ["Plan", "load_plan", "load_plan_text"]
