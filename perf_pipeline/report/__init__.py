"""What people look at: charts drawn from the warehouse tables (charts.py)."""
