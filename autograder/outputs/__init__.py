"""What people read: gradebook.csv, feedback pages and their figures, the class report, and their words in each language."""
