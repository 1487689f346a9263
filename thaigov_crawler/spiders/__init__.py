"""Spiders of the thaigov crawler (``SPIDER_MODULES``): ``thaigov`` crawls the live site."""
