"""The PDFs the village files and hands out: receipts, berita acara, letters, one letterhead."""
